//! Replacing a file so that no reader and no crash ever sees half of it:
//! write a temp file in the same folder, fsync it, rename it over the old
//! one, fsync the folder.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Temp files start with this; any left by a crash are removed on open.
pub const TEMP_PREFIX: &str = ".tmp-";

pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8], private: bool) -> io::Result<()> {
    let temp = dir.join(format!("{TEMP_PREFIX}{name}.{}", std::process::id()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(if private { 0o600 } else { 0o644 })
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, dir.join(name))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Makes a rename or unlink in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Removes temp files a crashed writer left behind (call under the lock).
pub fn remove_stale_temps(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "a.json", b"one", false).unwrap();
        write_atomic(dir.path(), "a.json", b"two", true).unwrap();
        assert_eq!(fs::read(dir.path().join("a.json")).unwrap(), b"two");
        let mode = fs::metadata(dir.path().join("a.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec!["a.json"]);
    }

    #[test]
    fn stale_temps_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(".tmp-products.json.42"), b"half").unwrap();
        fs::write(dir.path().join("products.json"), b"[]").unwrap();
        remove_stale_temps(dir.path()).unwrap();
        assert!(!dir.path().join(".tmp-products.json.42").exists());
        assert!(dir.path().join("products.json").exists());
    }
}
