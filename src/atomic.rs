//! Files on disk: written so that readers see either the old or the new content, never a
//! mix (a crash or a full disk never leaves half a file behind), in folders only the
//! owner can enter.

use std::io::Write;
use std::path::Path;

pub fn write(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_as(file, bytes, false)
}

/// `write` for a file only its owner may read or write (0600 from before its first byte):
/// the plaintext copies tandem makes for people, and backups.
pub fn write_private(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_as(file, bytes, true)
}

fn write_as(file: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    write_with(file, private, |f| f.write_all(bytes))
}

/// `write_private` for content that `fill` writes piece by piece (it may seek), so a
/// large file is never held in memory whole.
pub fn write_private_with(
    file: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_with(file, true, fill)
}

fn write_with(
    file: &Path,
    private: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("tandem");
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        if private {
            private_file(&tmp)?;
        }
        fill(&mut f)?;
        f.sync_all()?;
        std::fs::rename(&tmp, file)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Only the owner may enter `dir` (Unix; elsewhere the OS defaults stand).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    owner_only(dir, 0o700)
}

/// Only the owner may read or write `file` (keys, copies, backups).
pub fn private_file(file: &Path) -> std::io::Result<()> {
    owner_only(file, 0o600)
}

fn owner_only(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_private_file_is_owner_only_even_when_it_replaces_a_readable_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("copy.md");
        write(&file, b"old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&file, b"new").unwrap();
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
    }
}
