//! Generated shops for the store benchmarks, cached by size under the
//! target directory (`CARGO_TARGET_TMPDIR/shops/`): a million orders take
//! a minute to generate and copy into SQLite, so each size is made once and
//! kept across runs. A benchmark that writes works on a copy of its
//! fixture (`working_copy`), so the cached shops never change.
//!
//! Delete the folder to regenerate them (a change to `big_folder`'s output
//! must also change `GENERATION` below).

use std::path::{Path, PathBuf};

use super::big_folder;

/// Part of every cached name: raised when the generated content changes.
const GENERATION: u32 = 2;

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("shops")
}

/// A data folder of `products` products, `orders` orders and `users`
/// accounts (`big_folder::write_big_folder`), made on first use.
pub fn folder(products: usize, orders: usize, users: usize) -> PathBuf {
    let dir = cache_dir().join(format!("folder-{products}p-{orders}o-{users}u-g{GENERATION}"));
    made_once(&dir, |partial| {
        big_folder::write_big_folder(partial, products, orders, users).expect("generate the folder")
    })
}

/// The same shop in an SQLite database, copied from its folder by
/// `shopfront migrate`'s code, made on first use.
pub fn database(products: usize, orders: usize, users: usize) -> PathBuf {
    let source = folder(products, orders, users);
    let file = cache_dir().join(format!("sqlite-{products}p-{orders}o-{users}u-g{GENERATION}.db"));
    made_once(&file, |partial| {
        use shopfront::location::Location;
        shopfront::migrate::run(
            &Location::Folder(source.clone()),
            &Location::Sqlite(partial.to_path_buf()),
            &mut |_| {},
        )
        .expect("copy the folder into SQLite");
    })
}

/// `path`, made by `make` under a temporary name and renamed into place
/// once complete (an interrupted run leaves no half-made fixture).
fn made_once(path: &Path, make: impl FnOnce(&Path)) -> PathBuf {
    if path.exists() {
        return path.to_path_buf();
    }
    std::fs::create_dir_all(cache_dir()).expect("the fixture cache");
    let mut partial = path.as_os_str().to_owned();
    partial.push(format!(".partial-{}", std::process::id()));
    let partial = PathBuf::from(partial);
    eprintln!("generating {} (cached for the next runs)…", path.display());
    make(&partial);
    std::fs::rename(&partial, path).expect("put the fixture in place");
    path.to_path_buf()
}

/// A copy of the cached folder or database `fixture` in a new temporary
/// directory, for a benchmark that changes it.
pub fn working_copy(fixture: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let name = fixture.file_name().expect("a fixture has a name");
    let copy = tmp.path().join(name);
    copy_all(fixture, &copy);
    (tmp, copy)
}

fn copy_all(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).expect("make the copy's folder");
        for entry in std::fs::read_dir(from).expect("read the fixture") {
            let entry = entry.expect("a fixture file");
            copy_all(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).expect("copy a fixture file");
    }
}
