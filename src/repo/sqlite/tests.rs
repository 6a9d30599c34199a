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

/// A database file that was there before (made by `touch`, copied in,
/// restored from a backup) and that others can read is made private on
/// opening, and so are the `-wal` and `-shm` beside it: they hold password
/// hashes too.
#[test]
fn an_existing_database_others_can_read_is_made_private() {
    let mode = |path: &Path| std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777;
    let loosen =
        |path: &Path, mode: u32| std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    // `touch pre.db`: an empty file, 0644.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(database(&dir), b"").unwrap();
    loosen(&database(&dir), 0o644);
    let repo = open(&dir);
    commit(&repo, vec![Change::PutProduct(product("P1", 1))]);
    for name in ["shop.db", "shop.db-wal", "shop.db-shm"] {
        assert_eq!(mode(&dir.path().join(name)), 0o600, "{name}");
    }
    // A database in use (its -wal and -shm there) whose modes were loosened:
    // the next process to open it tightens all three.
    let wal = dir.path().join("shop.db-wal");
    let shm = dir.path().join("shop.db-shm");
    for (path, loose) in [(database(&dir), 0o644), (wal.clone(), 0o640), (shm.clone(), 0o604)] {
        loosen(&path, loose);
    }
    let again = open(&dir);
    for path in [database(&dir), wal, shm] {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    assert!(again.read().unwrap().product("P1").unwrap().is_some());
    drop((repo, again));
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
    // A change stamp's unknown fields (kept in `extra` under "changed")
    // without a stamp, or not an object of fields.
    hand.execute_batch(r#"UPDATE products SET extra = '{"changed":{"why":"x"}}' WHERE product_id = 'P2';"#).unwrap();
    let message = damaged(repo.read().unwrap().product("P2").map(drop));
    assert!(message.contains("\"P2\"") && message.contains("changed_by and changed_at are empty"), "{message}");
    hand.execute_batch(
        r#"UPDATE products SET extra = '{"changed":"x"}', changed_by = 'boss', changed_at = '2026-01-02 03:04:05'
           WHERE product_id = 'P2';"#,
    )
    .unwrap();
    let message = damaged(repo.read().unwrap().product("P2").map(drop));
    assert!(message.contains("\"P2\"") && message.contains("not a JSON object of fields"), "{message}");
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

/// `open_read_only` writes nothing, to the file or beside it: a WAL
/// database no process has open is read as it is (no `-wal` or `-shm`
/// made), one in use is read with what its `-wal` holds, and changes
/// through it are refused.
#[test]
fn a_database_opened_only_to_read_is_read_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    commit(&open(&dir), vec![Change::PutProduct(product("P1", 1))]);
    assert!(companions(&dir).is_empty(), "closed cleanly: {:?}", companions(&dir));
    let before = std::fs::read(database(&dir)).unwrap();
    let reading = SqliteRepo::open_read_only(&database(&dir)).expect("open to read");
    assert_eq!(reading.read().unwrap().product("P1").unwrap().map(|p| p.stock), Some(1));
    let refused = reading.write().map(drop).unwrap_err();
    assert!(matches!(&refused, RepoError::Unavailable(m) if m.contains("opened only to be read")), "{refused:?}");
    let refused = reading.login_failures(&["alice"], &mut |_| {}).unwrap_err();
    assert!(matches!(&refused, RepoError::Unavailable(_)), "{refused:?}");
    drop(reading);
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
    assert!(companions(&dir).is_empty(), "nothing made beside it: {:?}", companions(&dir));

    // In use by the shop, its last change only in the -wal: read with it.
    let shop = open(&dir);
    let hand = by_hand(&dir);
    hand.execute_batch("PRAGMA wal_autocheckpoint = 0;").unwrap();
    commit(&shop, vec![Change::PutProduct(product("P2", 7))]);
    let reading = SqliteRepo::open_read_only(&database(&dir)).expect("open to read");
    assert_eq!(reading.read().unwrap().product("P2").unwrap().map(|p| p.stock), Some(7));
    drop((reading, hand, shop));
}

/// What only opening to write would create or upgrade is refused,
/// unchanged: no file, an empty one, a database without our schema yet.
#[test]
fn opening_only_to_read_creates_and_upgrades_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let err = refusal(SqliteRepo::open_read_only(&database(&dir)));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("no such file")), "{err:?}");
    assert!(!database(&dir).exists() && companions(&dir).is_empty());

    std::fs::write(database(&dir), b"").unwrap();
    let err = refusal(SqliteRepo::open_read_only(&database(&dir)));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("is empty")), "{err:?}");
    assert_eq!(std::fs::read(database(&dir)).unwrap(), b"");

    // An SQLite database with no tables yet (version 0): opening to write
    // would put the schema in; opening to read says there is no shop.
    by_hand(&dir).pragma_update(None, "application_id", schema::APPLICATION_ID).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let err = refusal(SqliteRepo::open_read_only(&database(&dir)));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("no Shopfront schema yet")), "{err:?}");
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");

    // A newer schema, as when opening to write.
    std::fs::remove_file(database(&dir)).unwrap();
    drop(open(&dir));
    by_hand(&dir).pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let err = refusal(SqliteRepo::open_read_only(&database(&dir)));
    assert!(err.to_string().contains("was written by a newer Shopfront"), "{err}");
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
}

#[test]
fn a_database_path_with_uri_characters_is_read_as_the_file_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop?mode=rwc#1 %20.db");
    commit(&SqliteRepo::open(&path).unwrap(), vec![Change::PutProduct(product("P1", 3))]);
    let reading = SqliteRepo::open_read_only(&path).expect("open to read");
    assert_eq!(reading.read().unwrap().product("P1").unwrap().map(|p| p.stock), Some(3));
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// A WAL database no process had open is read without SQLite's locks
/// (`immutable`): a process that starts writing meanwhile is noticed when
/// its checkpoint changes the file, and what is read then is refused
/// rather than trusted (until then its changes are only in its `-wal`).
#[test]
fn a_database_read_as_immutable_notices_a_writer_that_came_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    commit(&open(&dir), vec![Change::PutProduct(product("P1", 1))]);
    let reading = SqliteRepo::open_read_only(&database(&dir)).expect("open to read");
    let shop = open(&dir);
    commit(&shop, vec![Change::PutProduct(product("P2", 1))]);
    let view = reading.read().unwrap();
    assert!(view.product("P1").unwrap().is_some(), "the file as it was");
    assert!(view.product("P2").unwrap().is_none(), "the change is in the writer's -wal only");
    drop(view);
    // Its last connection closing copies the -wal into the file.
    drop(shop);
    let err = reading.read().and_then(|view| view.product("P1")).unwrap_err();
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("changed while it was being read")), "{err:?}");
    let err = reading.integrity_check().unwrap_err();
    assert!(err.to_string().contains("changed while it was being read"), "{err}");
}

/// A rollback-journal database with a change cut off in its `-journal`
/// cannot be read without rolling that back, which a read-only connection
/// may not do: said so (not "changes are not saved"), both files unchanged.
#[test]
fn a_cut_off_change_in_a_journal_is_named_when_opening_only_to_read() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let hand = by_hand(&dir);
    hand.execute_batch(
        "PRAGMA journal_mode = DELETE;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
             INSERT INTO login_failures (key, count, last_ms, last_from) SELECT 'k' || i, 1, i, hex(randomblob(300)) FROM n;
         PRAGMA cache_size = 2;
         BEGIN;
         UPDATE login_failures SET last_from = hex(randomblob(300));",
    )
    .unwrap();
    // The files as a crash in the middle of that change leaves them.
    let crashed = tempfile::tempdir().unwrap();
    for name in ["shop.db", "shop.db-journal"] {
        std::fs::copy(dir.path().join(name), crashed.path().join(name)).expect(name);
    }
    drop(hand);
    let before = [database(&crashed), crashed.path().join("shop.db-journal")].map(|f| std::fs::read(f).unwrap());
    let err = refusal(SqliteRepo::open_read_only(&database(&crashed)));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("was cut off")), "{err:?}");
    let after = [database(&crashed), crashed.path().join("shop.db-journal")].map(|f| std::fs::read(f).unwrap());
    assert!(after == before, "neither file changed");
}
