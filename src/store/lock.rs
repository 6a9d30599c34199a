//! The folder lock (`.lock`, an exclusive `File::lock`) and the generation
//! counters kept inside it: each commit bumps the counter of every file it
//! replaced, so another running copy knows exactly what to re-read.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::time::{Duration, Instant};

use super::files::FileKind;

pub const LOCK_FILE: &str = ".lock";
/// How long a change waits for another copy's change to finish.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Four counters, one per data file, in `FileKind` order.
pub type Generations = [u64; 4];

#[derive(Debug)]
pub struct DirLock {
    file: File,
}

impl DirLock {
    pub fn open(dir: &Path) -> io::Result<DirLock> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(dir.join(LOCK_FILE))?;
        Ok(DirLock { file })
    }

    /// Waits until this process holds the folder exclusively. Changes hold
    /// the lock for milliseconds; if it stays taken for `LOCK_WAIT` (another
    /// copy stopped in the middle of one, say), this fails with `TimedOut`
    /// instead of freezing the app.
    pub fn exclusive(&self) -> io::Result<LockGuard> {
        let file = self.file.try_clone()?;
        let deadline = Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(LockGuard { file }),
                Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "another running copy has held the data folder's lock for 10 s; try again",
                    ));
                }
                Err(TryLockError::Error(e)) => return Err(e),
            }
        }
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
        let mut buf = [0u8; 128];
        let n = self.file.read_at(&mut buf, 0)?;
        let text = String::from_utf8_lossy(&buf[..n]);
        let mut generations = [0u64; 4];
        for (slot, word) in generations.iter_mut().zip(text.split_whitespace()) {
            *slot = word.parse().unwrap_or(0);
        }
        Ok(generations)
    }

    /// Bumps the counters of `kinds` and returns the new set. Not fsynced: the
    /// counters only steer the caches of processes that are running.
    pub fn bump(&self, kinds: &[FileKind]) -> io::Result<Generations> {
        let mut generations = self.generations()?;
        for kind in kinds {
            generations[kind.index()] = generations[kind.index()].wrapping_add(1);
        }
        let text =
            format!("{:020} {:020} {:020} {:020}\n", generations[0], generations[1], generations[2], generations[3]);
        self.file.write_all_at(text.as_bytes(), 0)?;
        Ok(generations)
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

    #[test]
    fn counters_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DirLock::open(dir.path()).unwrap();
        {
            let guard = lock.exclusive().unwrap();
            assert_eq!(guard.generations().unwrap(), [0; 4]);
            guard.bump(&[FileKind::Carts, FileKind::Orders]).unwrap();
            guard.bump(&[FileKind::Carts]).unwrap();
        }
        let again = DirLock::open(dir.path()).unwrap();
        assert_eq!(again.exclusive().unwrap().generations().unwrap(), [0, 0, 2, 1]);
    }

    #[test]
    fn second_handle_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::open(dir.path()).unwrap();
        let second = DirLock::open(dir.path()).unwrap();
        let guard = first.exclusive().unwrap();
        let probe = second.file.try_clone().unwrap();
        assert!(probe.try_lock().is_err(), "a second open handle must not get the lock");
        drop(guard);
        assert!(probe.try_lock().is_ok());
    }
}
