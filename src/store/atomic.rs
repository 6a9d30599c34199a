//! Replacing a file so that no reader and no crash ever sees half of it:
//! write a temp file in the same folder, fsync it, rename it over the old
//! one, fsync the folder. A commit of several files writes every temp file
//! first, so running out of space fails before anything is replaced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Temp files start with this; any left by a crash are removed on open.
pub const TEMP_PREFIX: &str = ".tmp-";

/// A fully written and fsynced temp file waiting to be renamed into place.
#[derive(Debug)]
pub struct Staged {
    temp: PathBuf,
    target: PathBuf,
}

impl Staged {
    /// Renames it over its target (durable once the folder is synced). If
    /// that fails, the temp file is removed and the target stays as it was.
    pub fn install(self) -> io::Result<()> {
        fs::rename(&self.temp, &self.target).inspect_err(|_| {
            let _ = fs::remove_file(&self.temp);
        })
    }

    /// Throws it away: the target stays as it was.
    pub fn discard(self) {
        let _ = fs::remove_file(&self.temp);
    }
}

/// Writes `bytes` to a new temp file beside `dir/name` and fsyncs it.
/// The temp file is created exclusively and never through a symlink.
pub fn stage(dir: &Path, name: &str, bytes: &[u8], private: bool) -> io::Result<Staged> {
    let temp = dir.join(format!("{TEMP_PREFIX}{name}.{}", std::process::id()));
    let open = || {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(if private { 0o600 } else { 0o644 })
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&temp)
    };
    let mut file = match open() {
        Ok(file) => file,
        // Our own leftover (same process id) or something planted: unlink
        // the name itself (never what a symlink points at) and create anew.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(&temp)?;
            open()?
        }
        Err(e) => return Err(e),
    };
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(&temp);
        return Err(e);
    }
    Ok(Staged { temp, target: dir.join(name) })
}

/// Replaces `dir/name` with `bytes` atomically and durably.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8], private: bool) -> io::Result<()> {
    let staged = stage(dir, name, bytes, private)?;
    let temp = staged.temp.clone();
    staged.install().inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })?;
    sync_dir(dir)
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

/// Creates `dir` (and missing parents) readable by its owner only, whatever
/// the umask: it holds password hashes and order history. An existing folder
/// is left as it is.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
}

/// Makes `dir/name` readable by its owner only, if it exists, is ours and
/// is not yet. Another user's file is left as its owner set it (only they,
/// or root, could change its mode).
pub fn make_private(dir: &Path, name: impl AsRef<Path>) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let path = dir.join(name);
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() && meta.uid() == me && meta.permissions().mode() & 0o077 != 0 => {
            fs::set_permissions(&path, fs::Permissions::from_mode(meta.permissions().mode() & 0o700))
        }
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
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

    #[test]
    fn a_planted_temp_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"precious").unwrap();
        let temp = dir.path().join(format!("{TEMP_PREFIX}users.json.{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &temp).unwrap();
        write_atomic(dir.path(), "users.json", b"[]", true).unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert_eq!(fs::read(dir.path().join("users.json")).unwrap(), b"[]");
        assert!(!fs::symlink_metadata(dir.path().join("users.json")).unwrap().file_type().is_symlink());
    }

    #[test]
    fn private_folder_and_files_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b");
        let old = unsafe { libc::umask(0) };
        let created = create_private_dir(&data);
        unsafe { libc::umask(old) };
        created.unwrap();
        assert_eq!(fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
        fs::write(data.join("users.json"), b"[]").unwrap();
        fs::set_permissions(data.join("users.json"), fs::Permissions::from_mode(0o644)).unwrap();
        make_private(&data, "users.json").unwrap();
        assert_eq!(fs::metadata(data.join("users.json")).unwrap().permissions().mode() & 0o777, 0o600);
    }

    /// Another user's file is theirs to secure: left as it is, no error
    /// (root, which could change it, gives a file to `nobody` to see that).
    #[test]
    fn another_users_file_is_left_as_its_owner_set_it() {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("skipped: only root can give a file to another user");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let theirs = dir.path().join("shop.db");
        fs::write(&theirs, b"").unwrap();
        fs::set_permissions(&theirs, fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        make_private(dir.path(), "shop.db").unwrap();
        assert_eq!(fs::metadata(&theirs).unwrap().permissions().mode() & 0o777, 0o644);
    }
}
