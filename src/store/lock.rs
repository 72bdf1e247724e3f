//! One tandem per store: an OS file lock taken before sled opens, so a second copy gets a
//! clear message instead of sled's lock error. The OS releases it when the process dies,
//! so a crash never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

pub enum LockError {
    Held,
    Io(std::io::Error),
}

pub struct LockFile {
    _file: File,
}

impl LockFile {
    pub fn acquire(path: &Path) -> Result<LockFile, LockError> {
        let file = OpenOptions::new().create(true).truncate(false).write(true).open(path).map_err(LockError::Io)?;
        match file.try_lock() {
            Ok(()) => Ok(LockFile { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held),
            Err(TryLockError::Error(e)) => Err(LockError::Io(e)),
        }
    }
}
