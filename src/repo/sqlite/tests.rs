use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::repo::sql_tests::{self, commit, order, product, race, retrying};

fn database(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("shop.db")
}

fn open(dir: &tempfile::TempDir) -> SqliteRepo {
    SqliteRepo::open(&database(dir)).expect("open the database")
}

/// A connection of our own, as a person editing the file would use.
fn by_hand(dir: &tempfile::TempDir) -> Connection {
    Connection::open(database(dir)).expect("open by hand")
}

fn refusal(result: Result<SqliteRepo, RepoError>) -> RepoError {
    match result {
        Ok(_) => panic!("the database should be refused"),
        Err(e) => e,
    }
}

/// The files beside the database SQLite keeps while it is open.
fn companions(dir: &tempfile::TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "shop.db")
        .collect();
    names.sort();
    names
}

#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let newer = SCHEMA_VERSION + 1;
    by_hand(&dir).pragma_update(None, "user_version", newer).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let err = refusal(SqliteRepo::open(&database(&dir)));
    let RepoError::Unavailable(message) = &err else { panic!("{err:?}") };
    let file = database(&dir).display().to_string();
    assert!(message.starts_with(&format!("{file} was written by a newer Shopfront")), "{message}");
    assert!(message.contains(&format!("version {newer}")) && message.contains(&format!("up to {SCHEMA_VERSION}")));
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
    assert!(companions(&dir).is_empty(), "SQLite never opened it: {:?}", companions(&dir));

    // The newer version only in the WAL (another process wrote it and
    // keeps the file open): seen through SQLite, still refused unchanged.
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let other = by_hand(&dir);
    other.execute_batch("PRAGMA wal_autocheckpoint = 0;").unwrap();
    other.pragma_update(None, "user_version", newer).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let err = refusal(SqliteRepo::open(&database(&dir)));
    assert!(err.to_string().contains("was written by a newer Shopfront"), "{err}");
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
    drop(other);
}

#[test]
fn a_file_that_is_no_shopfront_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let file = database(&dir);
    let text = b"order_id,total\nO0001,12.50\n".repeat(40);
    std::fs::write(&file, &text).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    let RepoError::Damaged(message) = &err else { panic!("{err:?}") };
    assert!(message.starts_with(&format!("{} is not an SQLite database", file.display())), "{message}");
    assert!(std::fs::read(&file).unwrap() == text, "not one byte changed");
    assert!(companions(&dir).is_empty(), "{:?}", companions(&dir));

    // An SQLite header over garbage.
    let mut garbage = b"SQLite format 3\0".to_vec();
    garbage.extend((0..4080u32).map(|i| (i * 7 % 251) as u8));
    std::fs::write(&file, &garbage).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    assert!(matches!(&err, RepoError::Damaged(m) if m.contains("its header is damaged")), "{err:?}");
    assert!(std::fs::read(&file).unwrap() == garbage, "not one byte changed");

    // Shopfront's database with its first page damaged: SQLite itself says so.
    std::fs::remove_file(&file).unwrap();
    drop(SqliteRepo::open(&file).unwrap());
    let mut damaged = std::fs::read(&file).unwrap();
    damaged[100..4096].iter_mut().enumerate().for_each(|(i, b)| *b = (i * 7 % 251) as u8);
    std::fs::write(&file, &damaged).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    assert!(matches!(&err, RepoError::Damaged(m) if m.starts_with(&file.display().to_string())), "{err:?}");
    assert!(std::fs::read(&file).unwrap() == damaged, "not one byte changed");
    assert!(companions(&dir).is_empty(), "{:?}", companions(&dir));

    // Another program's database.
    std::fs::remove_file(&file).unwrap();
    Connection::open(&file).unwrap().execute_batch("CREATE TABLE notes (body TEXT);").unwrap();
    let before = std::fs::read(&file).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    assert!(err.to_string().contains("of another program"), "{err}");
    assert!(std::fs::read(&file).unwrap() == before, "not one byte changed");
}

#[test]
fn a_missing_folder_or_a_folder_in_place_of_the_file_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let err = refusal(SqliteRepo::open(&dir.path().join("nowhere/shop.db")));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("does not exist")), "{err:?}");
    assert!(!dir.path().join("nowhere").exists());
    let err = refusal(SqliteRepo::open(dir.path()));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("is a folder")), "{err:?}");
}

#[test]
fn the_database_and_its_companions_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    commit(&repo, vec![Change::PutProduct(product("P1", 1))]);
    let read = repo.read().unwrap();
    assert!(read.product("P1").unwrap().is_some());
    for name in ["shop.db", "shop.db-wal", "shop.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name)).expect(name).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

#[test]
fn every_record_comes_back_field_by_field_with_its_unknown_fields() {
    let dir = tempfile::tempdir().unwrap();
    sql_tests::every_record_comes_back_field_by_field_with_its_unknown_fields(|| open(&dir));
}

#[test]
fn every_read_answers_as_the_folder_does() {
    let dir = tempfile::tempdir().unwrap();
    sql_tests::every_read_answers_as_the_folder_does(&open(&dir));
}

fn orders_ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}

#[test]
fn racing_handles_sell_the_last_unit_once() {
    let dir = tempfile::tempdir().unwrap();
    commit(&open(&dir), vec![Change::PutProduct(product("P1", 1))]);
    let handles = [open(&dir), open(&dir)];
    let sold: Vec<bool> = race(&handles, |n, repo, start| {
        // Before the write: a second BEGIN IMMEDIATE waits for the first.
        start.wait();
        retrying(|| {
            let mut tx = repo.write()?;
            let current = tx.product("P1")?.expect("P1");
            if current.stock == 0 {
                return Ok(false);
            }
            // Time for the other buyer to try meanwhile.
            std::thread::sleep(Duration::from_millis(50));
            let id = tx.next_order_id()?;
            tx.stage(Change::PutProduct(Product { stock: current.stock - 1, ..current }));
            tx.stage(Change::PutOrder(order(&id, &format!("buyer{n}"))));
            tx.commit().map(|_| true)
        })
    });
    assert_eq!(sold.iter().filter(|&&s| s).count(), 1, "{sold:?}");
    let read = handles[0].read().unwrap();
    assert_eq!(read.product("P1").unwrap().map(|p| p.stock), Some(0));
    let mut orders = Vec::new();
    read.each_order(&mut |o| orders.push(o.clone())).unwrap();
    assert_eq!(orders_ids(&orders), ["O0001"]);
    drop(read);
    // Below zero is refused by the database itself, even by hand.
    let err = by_hand(&dir).execute("UPDATE products SET stock = stock - 1", []).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation), "{err}");
}

#[test]
fn the_feed_names_what_other_handles_changed() {
    let dir = tempfile::tempdir().unwrap();
    sql_tests::the_feed_names_what_other_handles_changed(&open(&dir), &open(&dir));
}

#[test]
fn a_reader_behind_the_pruned_feed_is_told_of_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = open(&dir);
    repo.keep_changes(3);
    sql_tests::a_reader_behind_the_pruned_feed_is_told_of_the_gap(&repo, || {
        by_hand(&dir).execute("DELETE FROM changes", []).unwrap();
    });
}

#[test]
fn rows_broken_by_hand_are_reported_with_their_table_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    commit(&repo, vec![Change::PutProduct(product("P1", 1)), Change::PutProduct(product("P2", 1))]);
    let hand = by_hand(&dir);
    hand.execute_batch("PRAGMA ignore_check_constraints = ON; UPDATE products SET stock = -3 WHERE product_id = 'P1';")
        .unwrap();
    let damaged = |result: Result<(), RepoError>| match result {
        Err(RepoError::Damaged(message)) => message,
        other => panic!("{other:?}"),
    };
    let message = damaged(repo.read().unwrap().product("P1").map(drop));
    assert!(
        message.contains("table products") && message.contains("\"P1\"") && message.contains("stock is -3"),
        "{message}"
    );
    assert!(message.starts_with(&database(&dir).display().to_string()), "{message}");
    let message = damaged(repo.read().unwrap().each_product(&mut |_| {}));
    assert!(message.contains("\"P1\""), "{message}");
    hand.execute_batch("UPDATE products SET stock = 1 WHERE product_id = 'P1'; UPDATE products SET extra = '{oops' WHERE product_id = 'P2';")
        .unwrap();
    let message = damaged(repo.read().unwrap().product("P2").map(drop));
    assert!(message.contains("table products") && message.contains("\"P2\"") && message.contains("extra"), "{message}");
    hand.execute_batch("UPDATE products SET extra = NULL; UPDATE sequences SET last = 0; DELETE FROM sequences;")
        .unwrap();
    let mut tx = repo.write().unwrap();
    let message = damaged(tx.next_order_id().map(drop));
    assert!(message.contains("table sequences"), "{message}");
}

#[test]
fn order_ids_pass_over_ids_taken_by_hand_and_follow_migrated_ones() {
    let dir = tempfile::tempdir().unwrap();
    sql_tests::order_ids_pass_over_ids_taken_by_hand_and_follow_migrated_ones(&open(&dir), |last| {
        by_hand(&dir).execute("UPDATE sequences SET last = ?1", [last]).unwrap();
    });
}

/// Run by `a_read_only_database_is_unavailable` as another user: opens
/// `SHOPFRONT_TEST_DB` and prints what came of it.
#[test]
#[ignore = "run as another user by a_read_only_database_is_unavailable"]
fn open_as_another_user() {
    let Ok(path) = std::env::var("SHOPFRONT_TEST_DB") else { return };
    match SqliteRepo::open(Path::new(&path)) {
        Ok(_) => println!("outcome: opened"),
        Err(e) => println!("outcome: {e:?}"),
    }
}

#[test]
fn a_read_only_database_is_unavailable() {
    // Root writes any file: the check runs as `nobody`, where that can be done.
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(database(&dir), std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let outcome = if root {
        let Ok(test) = std::env::current_exe() else { return };
        let run = std::process::Command::new("runuser")
            .args(["-u", "nobody", "--"])
            .arg(test)
            .args(["--ignored", "--exact", "repo::sqlite::tests::open_as_another_user", "--nocapture"])
            .env("SHOPFRONT_TEST_DB", database(&dir))
            .output();
        let printed = run.map(|out| String::from_utf8_lossy(&out.stdout).into_owned()).unwrap_or_default();
        match printed.lines().find_map(|line| line.strip_prefix("outcome: ")) {
            Some(outcome) => outcome.to_string(),
            None => {
                eprintln!("skipped: user nobody cannot run this test binary here");
                return;
            }
        }
    } else {
        format!("{:?}", refusal(SqliteRepo::open(&database(&dir))))
    };
    assert!(outcome.starts_with("Unavailable(") && outcome.contains("is read-only"), "{outcome}");
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
}
