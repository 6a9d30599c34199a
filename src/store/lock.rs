//! The folder lock (`.lock`, an exclusive `File::lock`) and the generation
//! counters kept inside it: each commit bumps the counter of every file it
//! replaced, so another running copy knows exactly what to re-read.
//!
//! The lock belongs to the file *at the path*: `.lock` is opened afresh for
//! every lock taken, and a lock on a file that was meanwhile deleted or
//! replaced is dropped and taken again on the new one. Otherwise two copies
//! holding locks on two different inodes would both think they own the folder.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::files::FileKind;

pub const LOCK_FILE: &str = ".lock";
/// After this long waiting, a patient caller is told why nothing happens.
const NOTICE_AFTER: Duration = Duration::from_secs(1);

/// Four counters, one per data file, in `FileKind` order.
pub type Generations = [u64; 6];

/// What to do when another copy holds the lock.
#[derive(Clone, Copy, Debug)]
pub enum LockWait {
    /// Wait as long as it takes; `notice` is called once if it takes a while
    /// (command-line tools print that they are waiting).
    Patient { notice: fn(&Path) },
    /// Give up at once: the caller (the app) keeps answering and retries later.
    Impatient,
}

#[derive(Debug)]
pub struct DirLock {
    path: PathBuf,
}

/// Whether `error` says we may not write (a read-only file system, or no
/// permission): reading can still go on.
pub fn is_read_only(error: &io::Error) -> bool {
    matches!(error.raw_os_error(), Some(libc::EROFS | libc::EACCES | libc::EPERM))
}

impl DirLock {
    /// Checks that the lock file can be opened (creating it if needed). A
    /// folder we may not write is fine here: readers lock it shared.
    pub fn open(dir: &Path) -> io::Result<DirLock> {
        let path = dir.join(LOCK_FILE);
        match open_lock_file(&path) {
            Ok(_) => {}
            Err(e) if is_read_only(&e) => {}
            Err(e) => return Err(e),
        }
        Ok(DirLock { path })
    }

    /// Locks the folder for reading only, without write access: shared (a
    /// writer waits for it and it waits for a writer), on `.lock` opened
    /// read-only; no lock at all if there is no `.lock` (then nobody writes).
    pub fn shared(&self, wait: LockWait) -> io::Result<Option<SharedGuard>> {
        let locked = lock_at(&self.path, wait, Kind::Shared, |e| e.kind() == io::ErrorKind::NotFound)?;
        Ok(locked.map(|file| SharedGuard { file }))
    }

    /// Takes the folder exclusively; `Ok(None)` if `wait` is impatient and
    /// another copy holds it.
    pub fn exclusive(&self, wait: LockWait) -> io::Result<Option<LockGuard>> {
        let locked = lock_at(&self.path, wait, Kind::Exclusive, |_| false)?;
        Ok(locked.flatten().map(|file| LockGuard { file }))
    }
}

/// A shared lock for read-only tools (`check`): taken only if `.lock` exists
/// and can be opened for reading, so reading never creates or changes a file
/// and works on a folder the user cannot write to. `None`: no lock to take.
pub fn shared_if_present(dir: &Path, notice: fn(&Path)) -> io::Result<Option<File>> {
    let no_lock = |e: &io::Error| matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied);
    let locked = lock_at(&dir.join(LOCK_FILE), LockWait::Patient { notice }, Kind::Shared, no_lock)?;
    Ok(locked.flatten())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Shared,
    Exclusive,
}

/// Locks the file at `path` (opened afresh each try, and checked to still be
/// the file at the path once locked), waiting as `wait` says.
/// `Ok(None)`: impatient and busy. `Ok(Some(None))`: opening failed in a way
/// `no_lock` says means there is nothing to lock.
fn lock_at(
    path: &Path,
    wait: LockWait,
    kind: Kind,
    no_lock: impl Fn(&io::Error) -> bool,
) -> io::Result<Option<Option<File>>> {
    let started = Instant::now();
    let mut told = false;
    loop {
        let opened = match kind {
            Kind::Exclusive => open_lock_file(path),
            Kind::Shared => OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC).open(path),
        };
        let file = match opened {
            Ok(file) => file,
            Err(e) if no_lock(&e) => return Ok(Some(None)),
            Err(e) => return Err(e),
        };
        let tried = match kind {
            Kind::Exclusive => file.try_lock(),
            Kind::Shared => file.try_lock_shared(),
        };
        match tried {
            Ok(()) if still_at_path(&file, path)? => return Ok(Some(Some(file))),
            // Locked a file that is no longer `.lock`: drop it, open the new one.
            Ok(()) => continue,
            Err(TryLockError::Error(e)) => return Err(e),
            Err(TryLockError::WouldBlock) => match wait {
                LockWait::Impatient => return Ok(None),
                LockWait::Patient { notice } => {
                    if !told && started.elapsed() >= NOTICE_AFTER {
                        told = true;
                        notice(path.parent().unwrap_or(Path::new(".")));
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            },
        }
    }
}

fn open_lock_file(path: &Path) -> io::Result<File> {
    // No following a planted symlink: the lock file is written to.
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Whether `file` is still the file named by `path` (same device and inode).
fn still_at_path(file: &File, path: &Path) -> io::Result<bool> {
    let held = file.metadata()?;
    match std::fs::symlink_metadata(path) {
        Ok(now) => Ok(now.dev() == held.dev() && now.ino() == held.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// Held while a read-modify-write runs; unlocks on drop (and the OS unlocks
/// it if the process dies).
#[derive(Debug)]
pub struct LockGuard {
    file: File,
}

impl LockGuard {
    pub fn generations(&self) -> io::Result<Generations> {
        read_generations(&self.file)
    }

    /// Bumps the counters of `kinds` and returns the new set. Not fsynced: the
    /// counters only steer the caches of processes that are running.
    pub fn bump(&self, kinds: &[FileKind]) -> io::Result<Generations> {
        let mut generations = self.generations()?;
        for kind in kinds {
            generations[kind.index()] = generations[kind.index()].wrapping_add(1);
        }
        let mut text: String = generations.iter().map(|g| format!("{g:020} ")).collect();
        text.pop();
        text.push('\n');
        self.file.write_all_at(text.as_bytes(), 0)?;
        Ok(generations)
    }
}

/// The counters in a lock file (zeros when it is new or unreadable text).
pub fn read_generations(file: &File) -> io::Result<Generations> {
    let mut buf = [0u8; 128];
    let n = file.read_at(&mut buf, 0)?;
    let text = String::from_utf8_lossy(&buf[..n]);
    let mut generations = [0u64; 6];
    for (slot, word) in generations.iter_mut().zip(text.split_whitespace()) {
        *slot = word.parse().unwrap_or(0);
    }
    Ok(generations)
}

/// A shared lock held while reading a folder we may not write.
#[derive(Debug)]
pub struct SharedGuard {
    file: Option<File>,
}

impl SharedGuard {
    pub fn generations(&self) -> io::Result<Generations> {
        self.file.as_ref().map_or(Ok([0; 6]), read_generations)
    }
}

impl Drop for SharedGuard {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            let _ = file.unlock();
        }
    }
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATIENT: LockWait = LockWait::Patient { notice: |_| {} };

    #[test]
    fn counters_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DirLock::open(dir.path()).unwrap();
        {
            let guard = lock.exclusive(PATIENT).unwrap().unwrap();
            assert_eq!(guard.generations().unwrap(), [0; 6]);
            guard.bump(&[FileKind::Carts, FileKind::Orders]).unwrap();
            guard.bump(&[FileKind::Carts]).unwrap();
        }
        let again = DirLock::open(dir.path()).unwrap();
        assert_eq!(again.exclusive(PATIENT).unwrap().unwrap().generations().unwrap(), [0, 0, 2, 1, 0, 0]);
    }

    #[test]
    fn second_handle_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::open(dir.path()).unwrap();
        let second = DirLock::open(dir.path()).unwrap();
        let guard = first.exclusive(PATIENT).unwrap().unwrap();
        assert!(second.exclusive(LockWait::Impatient).unwrap().is_none(), "a second copy must not get the lock");
        drop(guard);
        assert!(second.exclusive(LockWait::Impatient).unwrap().is_some());
    }

    #[test]
    fn a_removed_lock_file_does_not_split_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let old = DirLock::open(dir.path()).unwrap();
        let new = DirLock::open(dir.path()).unwrap();
        // `.lock` deleted while copies run: whoever locks next must lock the
        // file at the path, so the two still exclude each other.
        std::fs::remove_file(dir.path().join(LOCK_FILE)).unwrap();
        let held = new.exclusive(PATIENT).unwrap().unwrap();
        assert!(dir.path().join(LOCK_FILE).exists(), "the lock file is created again");
        assert!(old.exclusive(LockWait::Impatient).unwrap().is_none(), "the lock must still exclude");
        // Replaced by another file under the same name: the same.
        drop(held);
        let held = old.exclusive(PATIENT).unwrap().unwrap();
        std::fs::rename(dir.path().join(LOCK_FILE), dir.path().join("moved")).unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), b"").unwrap();
        let taken = new.exclusive(LockWait::Impatient).unwrap();
        assert!(taken.is_some(), "the new file is free");
        assert!(old.exclusive(LockWait::Impatient).unwrap().is_none());
        drop(held);
    }

    #[test]
    fn shared_lock_needs_no_write_access_and_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        assert!(shared_if_present(dir.path(), |_| {}).unwrap().is_none());
        assert!(!dir.path().join(LOCK_FILE).exists());
        let lock = DirLock::open(dir.path()).unwrap();
        let held = lock.exclusive(PATIENT).unwrap().unwrap();
        let probe = OpenOptions::new().read(true).open(dir.path().join(LOCK_FILE)).unwrap();
        assert!(probe.try_lock_shared().is_err(), "readers wait for a writer");
        drop(held);
        assert!(shared_if_present(dir.path(), |_| {}).unwrap().is_some());
    }
}
