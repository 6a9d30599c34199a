//! The folder's failed-login records, shared by every copy of Shopfront
//! using the folder: `logins.json` (private: it names accounts and
//! addresses), changed under its own lock `.logins.lock` so that a login
//! never waits for a long change of the shop's data.
//!
//! These records only slow guessers: a folder that cannot keep them (read
//! only, or a `logins.json` that cannot be read) counts in memory instead,
//! and says so in the owner's notices; the file is then never modified.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::atomic;
use super::lock::is_read_only;
use crate::repo::logins::LoginBook;
use crate::repo::{LoginFailures, RepoError};

pub const LOGINS_FILE: &str = "logins.json";
const LOGINS_LOCK: &str = ".logins.lock";
/// A bigger file is not ours to read (the book keeps about 1 MB at most).
const LARGEST: u64 = 16 << 20;

pub struct FolderLogins {
    dir: PathBuf,
    state: Mutex<State>,
}

struct State {
    /// The records when counting in memory (and the last read of the file).
    book: LoginBook,
    /// Why the file is not used, once it could not be.
    in_memory: Option<String>,
}

impl FolderLogins {
    pub fn new(dir: &Path) -> FolderLogins {
        FolderLogins {
            dir: dir.to_path_buf(),
            state: Mutex::new(State { book: LoginBook::default(), in_memory: None }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn update(&self, keys: &[&str], update: &mut dyn FnMut(&mut [Option<LoginFailures>])) -> Result<(), RepoError> {
        let mut state = self.state();
        if state.in_memory.is_none() {
            match self.update_file(keys, update) {
                Ok(book) => {
                    state.book = book;
                    return Ok(());
                }
                Err(Shared::Cannot(why)) => state.in_memory = Some(why),
                Err(Shared::Broken(why)) => return Err(RepoError::Unavailable(why)),
            }
        }
        state.book.update(keys, update);
        Ok(())
    }

    /// Why failed logins are counted by this process alone, if they are.
    pub fn notice(&self) -> Option<String> {
        self.state().in_memory.as_ref().map(|why| {
            format!("Failed logins are counted by this copy of Shopfront alone, not shared with others: {why}")
        })
    }

    fn update_file(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<LoginBook, Shared> {
        let lock_path = self.dir.join(LOGINS_LOCK);
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&lock_path)
            .map_err(|e| Shared::from_io(&lock_path, e))?;
        lock.lock().map_err(|e| Shared::from_io(&lock_path, e))?;
        let path = self.dir.join(LOGINS_FILE);
        let mut book = read_book(&path)?;
        if book.update(keys, update) {
            let bytes = serde_json::to_vec(&book).map_err(|e| Shared::Broken(format!("{}: {e}", path.display())))?;
            atomic::stage(&self.dir, LOGINS_FILE, &bytes, true)
                .and_then(|staged| staged.install())
                .map_err(|e| Shared::from_io(&path, e))?;
        }
        Ok(book)
    }
}

enum Shared {
    /// The file cannot be used at all here: count in memory.
    Cannot(String),
    /// Something broke that trying again may mend.
    Broken(String),
}

impl Shared {
    fn from_io(path: &Path, e: io::Error) -> Shared {
        let why = format!("{}: {e}", path.display());
        if is_read_only(&e) || e.raw_os_error() == Some(libc::ELOOP) {
            Shared::Cannot(why)
        } else {
            Shared::Broken(why)
        }
    }
}

fn read_book(path: &Path) -> Result<LoginBook, Shared> {
    let file = match OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(LoginBook::default()),
        Err(e) => return Err(Shared::from_io(path, e)),
    };
    let cannot = |why: String| Shared::Cannot(format!("{} {why}", path.display()));
    let meta = file.metadata().map_err(|e| Shared::from_io(path, e))?;
    if !meta.is_file() || meta.len() > LARGEST {
        return Err(cannot("is not a file of failed logins".into()));
    }
    let mut text = Vec::new();
    File::take(file, LARGEST).read_to_end(&mut text).map_err(|e| Shared::from_io(path, e))?;
    serde_json::from_slice(&text).map_err(|e| cannot(format!("cannot be read ({e}); it is left as it is")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn fail(records: &mut [Option<LoginFailures>]) {
        let record = records[0].get_or_insert(LoginFailures { count: 0, last_ms: 1, last_from: "a".into() });
        record.count += 1;
    }

    #[test]
    fn two_copies_share_their_counts() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (FolderLogins::new(dir.path()), FolderLogins::new(dir.path()));
        one.update(&["account:eve"], &mut fail).unwrap();
        two.update(&["account:eve"], &mut fail).unwrap();
        let mut seen = None;
        one.update(&["account:eve"], &mut |r| seen = r[0].clone()).unwrap();
        assert_eq!(seen.map(|r| r.count), Some(2));
        assert!(one.notice().is_none());
    }

    #[test]
    fn an_unreadable_file_is_left_alone_and_counting_goes_on_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(LOGINS_FILE), "{not json").unwrap();
        let logins = FolderLogins::new(dir.path());
        logins.update(&["account:eve"], &mut fail).unwrap();
        logins.update(&["account:eve"], &mut fail).unwrap();
        let mut seen = None;
        logins.update(&["account:eve"], &mut |r| seen = r[0].clone()).unwrap();
        assert_eq!(seen.map(|r| r.count), Some(2));
        assert_eq!(fs::read_to_string(dir.path().join(LOGINS_FILE)).unwrap(), "{not json");
        assert!(logins.notice().unwrap().contains("cannot be read"), "{:?}", logins.notice());
    }
}
