//! Files on disk: written so that readers see either the old or the new content, never a
//! mix (a crash or a full disk never leaves half a file behind), in folders only the
//! owner can enter.

use std::io::Write;
use std::path::Path;

pub fn write(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("tandem");
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
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

/// Only the owner may read or write `file` (keys).
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
