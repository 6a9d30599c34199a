//! The PostgreSQL store on a real server: each test on a database of its
//! own (see `testing`); skipped where `SHOPFRONT_TEST_PG` is not set.

use std::collections::BTreeSet;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::testing::{Cluster, TestDatabase};
use super::*;
use crate::repo::Ids;
use crate::repo::sql_tests::{self, commit, order, product, race, record, retrying};

/// A database for the test named `$test`, or return (skipped).
macro_rules! database {
    ($test:expr) => {
        match TestDatabase::create($test) {
            Some(database) => database,
            None => return,
        }
    };
}

fn refusal(result: Result<PgRepo, RepoError>) -> RepoError {
    match result {
        Ok(_) => panic!("the database should be refused"),
        Err(e) => e,
    }
}

/// Every table and sequence in the schema `shopfront`, and every other
/// relation of the database with its row count.
fn relations(client: &mut postgres::Client) -> Vec<(String, String)> {
    client
        .query(
            "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'S', 'v')
             ORDER BY 1, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

#[test]
fn a_new_database_gets_the_schema_once_even_from_racing_processes() {
    let database = database!("a_new_database_gets_the_schema_once_even_from_racing_processes");
    let start = Barrier::new(4);
    let opened: Vec<Result<PgRepo, RepoError>> = std::thread::scope(|scope| {
        let openers: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    PgRepo::connect(database.url())
                })
            })
            .collect();
        openers.into_iter().map(|o| o.join().expect("an opener")).collect()
    });
    for repo in &opened {
        assert!(repo.is_ok(), "{:?}", repo.as_ref().err());
    }
    let mut client = database.client();
    let version: i32 = client.query_one("SELECT version FROM shopfront.schema_version", &[]).unwrap().get(0);
    assert_eq!(version, SCHEMA_VERSION);
    let tables = relations(&mut client);
    assert!(tables.iter().all(|(schema, _)| schema == SCHEMA), "only in its own schema: {tables:?}");
    assert!(tables.iter().any(|(_, name)| name == "products"));
    let repo = opened.into_iter().next().unwrap().unwrap();
    assert!(repo.pool_size() >= 2 && repo.pool_size() <= POOL_MAX);
    assert!(!format!("{repo:?}").contains("ci-pass"), "{repo:?}");
}

#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_as_it_was() {
    let database = database!("a_database_of_a_newer_schema_is_refused_and_left_as_it_was");
    let repo = database.repo();
    commit(&repo, vec![Change::PutProduct(product("P1", 3))]);
    drop(repo);
    let mut client = database.client();
    let newer = SCHEMA_VERSION + 1;
    client.execute("UPDATE shopfront.schema_version SET version = $1", &[&newer]).unwrap();
    let dump = |client: &mut postgres::Client| {
        let version: i32 = client.query_one("SELECT version FROM shopfront.schema_version", &[]).unwrap().get(0);
        let stock: i64 = client.query_one("SELECT stock FROM shopfront.products", &[]).unwrap().get(0);
        (version, stock, relations(client))
    };
    let before = dump(&mut client);
    let err = refusal(PgRepo::connect(database.url()));
    let RepoError::Unavailable(message) = &err else { panic!("{err:?}") };
    assert!(message.contains("was written by a newer Shopfront"), "{message}");
    assert!(message.contains(&format!("version {newer}")) && message.contains(&format!("up to {SCHEMA_VERSION}")));
    assert!(message.contains(&redacted(database.url())) && !message.contains(super::testing::CLUSTER_PASSWORD));
    assert_eq!(dump(&mut client), before, "nothing changed");
}

#[test]
fn other_applications_tables_are_left_untouched() {
    let database = database!("other_applications_tables_are_left_untouched");
    let mut client = database.client();
    client
        .batch_execute(
            "CREATE TABLE public.products (id int PRIMARY KEY, name text);
             INSERT INTO public.products VALUES (1, 'theirs');
             CREATE SCHEMA billing; CREATE TABLE billing.invoices (n int); INSERT INTO billing.invoices VALUES (7);",
        )
        .unwrap();
    let repo = database.repo();
    commit(&repo, vec![Change::PutProduct(product("P1", 3))]);
    assert_eq!(repo.read().unwrap().product("P1").unwrap().map(|p| p.stock), Some(3));
    let theirs: String = client.query_one("SELECT name FROM public.products WHERE id = 1", &[]).unwrap().get(0);
    let invoices: i32 = client.query_one("SELECT n FROM billing.invoices", &[]).unwrap().get(0);
    assert_eq!((theirs.as_str(), invoices), ("theirs", 7));
    let counts: i64 = client.query_one("SELECT count(*) FROM public.products", &[]).unwrap().get(0);
    assert_eq!(counts, 1);

    // A schema named `shopfront` that is not Shopfront's: refused, unchanged.
    let other = database!("other_applications_tables_are_left_untouched (2)");
    let mut client = other.client();
    client.batch_execute("CREATE SCHEMA shopfront; CREATE TABLE shopfront.notes (body text);").unwrap();
    let before = relations(&mut client);
    let err = refusal(PgRepo::connect(other.url()));
    assert!(err.to_string().contains("holding tables that are not Shopfront's"), "{err}");
    assert_eq!(relations(&mut client), before);
}

#[test]
fn a_role_that_may_not_create_the_schema_is_told_and_nothing_is_half_made() {
    let database = database!("a_role_that_may_not_create_the_schema_is_told_and_nothing_is_half_made");
    let mut client = database.client();
    let role = format!("{}_clerk", database.name());
    let may_create_roles: bool = client
        .query_one("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user", &[])
        .unwrap()
        .get(0);
    if !may_create_roles {
        eprintln!("skipped: the test server's role may not create roles");
        return;
    }
    client.batch_execute(&format!("CREATE ROLE {role} LOGIN PASSWORD 'clerk-pass-3'")).unwrap();
    let url = {
        let info = url::parse(database.url(), &url::Sources::default()).unwrap();
        let host = match &info.host {
            url::Host::Tcp(name) if name.contains(':') => format!("[{name}]"),
            url::Host::Tcp(name) => name.clone(),
            url::Host::Socket(dir) => format!("{}", dir.display()).replace('/', "%2F"),
        };
        format!("postgres://{role}:clerk-pass-3@{host}:{}/{}?sslmode=prefer", info.port, info.dbname)
    };
    let before = relations(&mut client);
    let err = refusal(PgRepo::connect(&url));
    let message = err.to_string();
    assert!(message.contains(&format!("The role {role} may not create the schema shopfront")), "{message}");
    assert!(message.contains("CREATE SCHEMA shopfront AUTHORIZATION"), "what to ask for: {message}");
    assert!(message.contains("nothing was created") && !message.contains("clerk-pass-3"), "{message}");
    assert_eq!(relations(&mut client), before, "nothing half-made");

    // Given the schema (empty) by the owner, the role makes its tables in it.
    client.batch_execute(&format!("CREATE SCHEMA shopfront AUTHORIZATION {role}")).unwrap();
    let repo = PgRepo::connect(&url).expect("open in a schema made for it");
    commit(&repo, vec![Change::PutProduct(product("P1", 1))]);
    drop(repo);
    client.batch_execute(&format!("DROP SCHEMA shopfront CASCADE; DROP OWNED BY {role}; DROP ROLE {role}")).unwrap();
}

#[test]
fn a_wrong_password_is_said_without_the_password() {
    let Some(server) = super::testing::server("a_wrong_password_is_said_without_the_password") else { return };
    let info = url::parse(&server, &url::Sources::default()).unwrap();
    let url::Host::Tcp(host) = &info.host else {
        eprintln!("skipped: the test server is reached through a socket, where passwords may not be asked");
        return;
    };
    let secret = "Wr0ng-Passw0rd-7781";
    let host = if host.contains(':') { format!("[{host}]") } else { host.clone() };
    let url = format!("postgres://{}:{secret}@{host}:{}/{}", info.user, info.port, info.dbname);
    let err = refusal(PgRepo::connect_with(&url, &url::Sources::default()));
    let shown = format!("{err} / {err:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("refused the login")), "{shown}");
    assert!(shown.contains(&redacted(&url)), "names the database: {shown}");
    // A database that does not exist, and a port where no server listens.
    let missing = format!("postgres://{}:{secret}@{host}:{}/no_such_db_here", info.user, info.port);
    let err = refusal(PgRepo::connect(&missing));
    assert!(!format!("{err} {err:?}").contains(secret));
    // No password anywhere, where the server asks for one.
    let none = format!("postgres://{}@{host}:{}/{}", info.user, info.port, info.dbname);
    let err = refusal(PgRepo::connect_with(&none, &url::Sources::default()));
    assert!(err.to_string().contains("and none was given"), "{err}");
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let nowhere = format!("postgres://ann:{secret}@127.0.0.1:{free}/shop?connect_timeout=2");
    let err = refusal(PgRepo::connect(&nowhere));
    let shown = format!("{err} / {err:?}");
    assert!(shown.contains("cannot reach its database") && !shown.contains(secret), "{shown}");
}

#[test]
fn every_record_comes_back_field_by_field_with_its_unknown_fields() {
    let database = database!("every_record_comes_back_field_by_field_with_its_unknown_fields");
    sql_tests::every_record_comes_back_field_by_field_with_its_unknown_fields(|| database.repo());
    // Money is whole cents in typed columns; the shop's times are its text.
    let row = database
        .client()
        .query_one("SELECT total, placed_at, tax_included FROM shopfront.orders WHERE order_id = 'O0007'", &[])
        .unwrap();
    assert_eq!(
        (row.get::<_, i64>(0), row.get::<_, String>(1), row.get::<_, bool>(2)),
        (1234, "2026-02-10 18:12:44".into(), true)
    );
}

#[test]
fn every_read_answers_as_the_folder_does() {
    let database = database!("every_read_answers_as_the_folder_does");
    sql_tests::every_read_answers_as_the_folder_does(&database.repo());
}

#[test]
fn scans_read_a_big_shop_in_chunks_in_order() {
    let database = database!("scans_read_a_big_shop_in_chunks_in_order");
    let repo = database.repo();
    let n = read::CHUNK as usize * 2 + 7;
    commit(&repo, (0..n).map(|i| Change::PutProduct(product(&format!("P{i:05}"), 1))).collect());
    commit(&repo, (0..n).map(|i| Change::PutOrder(order(&format!("O{:04}", i + 1), "ann"))).collect());
    let read = repo.read().unwrap();
    let mut ids = Vec::new();
    read.each_product(&mut |p| ids.push(p.product_id.clone())).unwrap();
    assert_eq!(ids, (0..n).map(|i| format!("P{i:05}")).collect::<Vec<_>>());
    let mut orders = 0;
    read.each_order(&mut |o| {
        orders += 1;
        assert_eq!(o.items.len(), 1, "{}", o.order_id);
    })
    .unwrap();
    assert_eq!(orders, n);
}

/// Two stores (two processes, two machines) on one database, each buying
/// the last unit at the same moment: one gets it.
#[test]
fn racing_stores_sell_the_last_unit_once() {
    let database = database!("racing_stores_sell_the_last_unit_once");
    commit(&database.repo(), vec![Change::PutProduct(product("P1", 1))]);
    let stores = [database.repo(), database.repo()];
    let sold: Vec<bool> = race(&stores, |n, repo, start| {
        retrying(|| {
            let mut tx = repo.write()?;
            start.wait();
            let current = tx.product("P1")?.expect("P1");
            if current.stock == 0 {
                return Ok(false);
            }
            // Time for the other buyer to try meanwhile.
            std::thread::sleep(Duration::from_millis(100));
            let id = tx.next_order_id()?;
            tx.stage(Change::PutProduct(Product { stock: current.stock - 1, ..current }));
            tx.stage(Change::PutOrder(order(&id, &format!("buyer{n}"))));
            tx.commit().map(|_| true)
        })
    });
    assert_eq!(sold.iter().filter(|&&s| s).count(), 1, "{sold:?}");
    let read = stores[1].read().unwrap();
    assert_eq!(read.product("P1").unwrap().map(|p| p.stock), Some(0));
    let mut orders = 0;
    read.each_order(&mut |_| orders += 1).unwrap();
    assert_eq!(orders, 1);
    drop(read);
    // Below zero is refused by the database itself, even by hand.
    let err = database.client().execute("UPDATE shopfront.products SET stock = stock - 1", &[]).unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("23514"), "{err}");
}

/// A write whose rule read a product without the row lock (a scan) and
/// then sells from it is refused when the stock changed meanwhile: the
/// conditional update, not the lock, catches it.
#[test]
fn a_stock_changed_since_it_was_read_is_not_overwritten() {
    let database = database!("a_stock_changed_since_it_was_read_is_not_overwritten");
    let repo = database.repo();
    commit(&repo, vec![Change::PutProduct(product("P1", 5))]);
    let mut tx = repo.write().unwrap();
    let mut seen = None;
    tx.each_product(&mut |p| seen = Some(p.clone())).unwrap();
    let seen = seen.unwrap();
    database.client().execute("UPDATE shopfront.products SET stock = 2", &[]).unwrap();
    tx.stage(Change::PutProduct(Product { stock: seen.stock - 1, ..seen }));
    assert_eq!(tx.commit().unwrap_err(), RepoError::Busy);
    assert_eq!(repo.read().unwrap().product("P1").unwrap().map(|p| p.stock), Some(2), "nothing saved");
}

/// Two stores checking a code with one use left at the same moment, each
/// placing an order with it: one does.
#[test]
fn racing_stores_take_a_codes_last_use_once() {
    let database = database!("racing_stores_take_a_codes_last_use_once");
    let once: Discount = record(r#"{"code":"ONCE","kind":"fixed","value":1.00,"max_uses":1}"#);
    commit(&database.repo(), vec![Change::PutDiscount(once)]);
    let stores = [database.repo(), database.repo()];
    let used: Vec<bool> = race(&stores, |n, repo, start| {
        retrying(|| {
            let mut tx = repo.write()?;
            start.wait();
            let code = tx.discount("once")?.expect("ONCE");
            let uses = tx.code_uses(&code.code, &format!("buyer{n}"))?;
            if code.max_uses.is_some_and(|max| uses.total >= max) {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(100));
            let id = tx.next_order_id()?;
            let mut placed = order(&id, &format!("buyer{n}"));
            placed.discount_code = Some(code.code.clone());
            tx.stage(Change::PutOrder(placed));
            tx.commit().map(|_| true)
        })
    });
    assert_eq!(used.iter().filter(|&&u| u).count(), 1, "{used:?}");
    assert_eq!(stores[0].read().unwrap().code_uses("ONCE", "").unwrap().total, 1);
}

/// Two stores signing up the same new name at once: one account, and the
/// other writer either waited and found it, or was told `Busy`.
#[test]
fn racing_sign_ups_of_one_name_make_one_account() {
    let database = database!("racing_sign_ups_of_one_name_make_one_account");
    let stores = [database.repo(), database.repo()];
    let made: Vec<Result<bool, RepoError>> = race(&stores, |n, repo, start| {
        let mut tx = repo.write()?;
        start.wait();
        if tx.account("Newcomer")?.is_some() {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(100));
        let user: User = record(&format!(r#"{{"username":"Newcomer","password_hash":"h{n}"}}"#));
        tx.stage(Change::PutUser(user));
        tx.commit().map(|_| true)
    });
    let winners = made.iter().filter(|m| matches!(m, Ok(true))).count();
    assert_eq!(winners, 1, "{made:?}");
    assert!(made.iter().all(|m| matches!(m, Ok(_) | Err(RepoError::Busy))), "{made:?}");
    let count: i64 = database.client().query_one("SELECT count(*) FROM shopfront.users", &[]).unwrap().get(0);
    assert_eq!(count, 1);
    // A blind insert by hand meanwhile: the writer that found the name free is refused.
    let mut tx = stores[0].write().unwrap();
    assert!(tx.account("late").unwrap().is_none());
    let user: User = record(r#"{"username":"late","password_hash":"mine"}"#);
    tx.stage(Change::PutUser(user));
    let hand = std::thread::spawn({
        let url = database.url().to_string();
        move || {
            super::testing::client(&url)
                .unwrap()
                .execute(
                    "INSERT INTO shopfront.users (name_key, username, password_hash, role) VALUES ('late', 'late', 'theirs', 'customer')",
                    &[],
                )
                .map(drop)
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    // The hand insert waits for nothing (no lock on a missing row), so it is in first.
    let _ = hand.join();
    assert_eq!(tx.commit().unwrap_err(), RepoError::Busy);
    let hash: String = database
        .client()
        .query_one("SELECT password_hash FROM shopfront.users WHERE name_key = 'late'", &[])
        .unwrap()
        .get(0);
    assert_eq!(hash, "theirs", "never overwritten");
}

#[test]
fn the_feed_names_what_other_stores_changed() {
    let database = database!("the_feed_names_what_other_stores_changed");
    sql_tests::the_feed_names_what_other_handles_changed(&database.repo(), &database.repo());
}

/// Commits racing from several stores: every change is heard once, in
/// order, by a reader polling all along.
#[test]
fn a_polling_reader_hears_every_racing_commit_once() {
    let database = database!("a_polling_reader_hears_every_racing_commit_once");
    let reader = database.repo();
    let writers: Vec<PgRepo> = (0..3).map(|_| database.repo()).collect();
    let done = std::sync::atomic::AtomicBool::new(false);
    let heard = std::thread::scope(|scope| {
        for (n, repo) in writers.iter().enumerate() {
            let done = &done;
            scope.spawn(move || {
                for i in 0..30 {
                    commit(repo, vec![Change::PutProduct(product(&format!("W{n}-{i}"), 1))]);
                }
                let _ = done;
            });
        }
        let polling = scope.spawn(|| {
            let (mut seen, mut heard) = (0, Vec::new());
            while heard.len() < 90 {
                match reader.changes_after(seen).unwrap() {
                    Feed::Changes(sets) => {
                        for set in sets {
                            assert_eq!(set.id, seen + 1, "in order, none missed");
                            seen = set.id;
                            heard.extend(set.products.has("").then_some(String::new()));
                            if let Ids::Some(ids) = set.products {
                                heard.extend(ids);
                            }
                        }
                    }
                    gap => panic!("{gap:?}"),
                }
            }
            heard
        });
        polling.join().unwrap()
    });
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let unique: BTreeSet<&String> = heard.iter().collect();
    assert_eq!((heard.len(), unique.len()), (90, 90));
}

#[test]
fn a_reader_behind_the_pruned_feed_is_told_of_the_gap() {
    let database = database!("a_reader_behind_the_pruned_feed_is_told_of_the_gap");
    let mut repo = database.repo();
    repo.keep_changes(3);
    sql_tests::a_reader_behind_the_pruned_feed_is_told_of_the_gap(&repo, || {
        database.client().execute("DELETE FROM shopfront.changes", &[]).unwrap();
    });
    assert_eq!(repo.changes_after(9).unwrap(), Feed::Gap { latest: 6 }, "ahead: a database restored from a backup");
}

#[test]
fn order_ids_pass_over_ids_taken_by_hand_and_follow_migrated_ones() {
    let database = database!("order_ids_pass_over_ids_taken_by_hand_and_follow_migrated_ones");
    let mut client = database.client();
    sql_tests::order_ids_pass_over_ids_taken_by_hand_and_follow_migrated_ones(&database.repo(), |last| {
        client.execute("SELECT setval('shopfront.order_numbers', $1)", &[&last]).unwrap();
    });
}

/// The database stops: reads and writes say the shop cannot reach it
/// (quickly, not after every timeout); it starts again: the same store
/// reads and writes again, without being reopened.
#[test]
fn the_store_carries_on_after_the_database_restarts() {
    if super::testing::server("the_store_carries_on_after_the_database_restarts").is_none() {
        return;
    }
    let Some(cluster) = Cluster::start("the_store_carries_on_after_the_database_restarts") else { return };
    let mut admin = super::testing::client(&cluster.url("postgres")).unwrap();
    admin.batch_execute("CREATE DATABASE shop").unwrap();
    drop(admin);
    let repo = PgRepo::connect(&cluster.url("shop")).unwrap();
    commit(&repo, vec![Change::PutProduct(product("P1", 5))]);
    // Connections in the pool, idle.
    let (a, b) = (repo.read().unwrap(), repo.read().unwrap());
    drop((a, b));
    cluster.stop();
    let started = std::time::Instant::now();
    for _ in 0..3 {
        let err = repo.read().map(drop).unwrap_err();
        let RepoError::Unreachable(message) = &err else { panic!("{err:?}") };
        assert!(message.contains("cannot reach its database"), "{message}");
        assert!(!message.contains(super::testing::CLUSTER_PASSWORD), "{message}");
        let err = repo.write().map(drop).unwrap_err();
        assert!(matches!(err, RepoError::Unreachable(_)), "{err:?}");
        assert!(matches!(repo.changes_after(0), Err(RepoError::Unreachable(_))));
    }
    assert!(started.elapsed() < Duration::from_secs(5), "said at once: {:?}", started.elapsed());
    cluster.start_again();
    assert_eq!(repo.read().unwrap().product("P1").unwrap().map(|p| p.stock), Some(5), "the first read after");
    commit(&repo, vec![Change::PutProduct(product("P2", 1))]);
    assert!(matches!(repo.changes_after(0).unwrap(), Feed::Changes(sets) if sets.len() == 2));

    // Lost in the middle of a write: nothing of it is kept.
    let mut tx = repo.write().unwrap();
    tx.product("P1").unwrap();
    tx.stage(Change::PutProduct(product("P1", 0)));
    cluster.stop();
    assert!(matches!(tx.commit(), Err(RepoError::Unreachable(_))));
    cluster.start_again();
    assert_eq!(repo.read().unwrap().product("P1").unwrap().map(|p| p.stock), Some(5));
}

/// A server that takes the connection and never answers: given up on in
/// bounded time (the client's own timeout covers the TCP connection only).
#[test]
fn a_server_that_never_answers_is_given_up_on_in_time() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://ann:s3cret-pass@127.0.0.1:{port}/shop?connect_timeout=2&sslmode=disable");
    let started = std::time::Instant::now();
    let err = refusal(PgRepo::connect_with(&url, &url::Sources::default()));
    assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
    let shown = format!("{err} / {err:?}");
    assert!(shown.contains("cannot reach its database") && shown.contains("did not answer within 4 s"), "{shown}");
    assert!(!shown.contains("s3cret-pass"), "{shown}");
}

/// The connection lost while the COMMIT is under way: the store finds out
/// on a new connection whether the change was saved, and says so — never
/// "failed" for a change that was saved, never "saved" for one that was not.
#[test]
fn a_commit_whose_connection_was_lost_is_found_out() {
    let database = database!("a_commit_whose_connection_was_lost_is_found_out");
    let repo = Arc::new(database.repo());
    commit(&*repo, vec![Change::PutProduct(product("P1", 5))]);
    // Another session holds the feed's head: the commit's last statement waits for it.
    let mut hand = database.client();
    hand.batch_execute("BEGIN; SELECT * FROM shopfront.feed_head FOR UPDATE").unwrap();
    let writer = std::thread::spawn({
        let repo = Arc::clone(&repo);
        move || {
            let mut tx = repo.write().unwrap();
            let current = tx.product("P1").unwrap().unwrap();
            tx.stage(Change::PutProduct(Product { stock: 4, ..current }));
            tx.commit()
        }
    });
    let mut admin = database.client();
    let pid = loop {
        let waiting = admin
            .query_opt(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .unwrap();
        if let Some(row) = waiting {
            break row.get::<_, i32>(0);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    admin.query("SELECT pg_terminate_backend($1)", &[&pid]).unwrap();
    let err = writer.join().unwrap().unwrap_err();
    assert!(matches!(&err, RepoError::Unreachable(m) if m.contains("nothing of it was saved")), "{err:?}");
    hand.batch_execute("ROLLBACK").unwrap();
    assert_eq!(repo.read().unwrap().product("P1").unwrap().map(|p| p.stock), Some(5));

    // Saved after all (its answer lost): the change it was, with its id.
    let set = ChangeSet::of(&[Change::PutProduct(product("P1", 4))]);
    admin
        .execute(
            "WITH head AS (UPDATE shopfront.feed_head SET last = last + 1 RETURNING last)
             INSERT INTO shopfront.changes (id, ids, token) SELECT last, '{}', 'tok-1' FROM head",
            &[],
        )
        .unwrap();
    let gone = conn::Session { pid: 0, started: String::new() };
    let found = repo.resolve(set.clone(), "tok-1", &gone).unwrap();
    assert_eq!((found.id, &found.products), (2, &set.products));
    // A session that sits in its transaction (the COMMIT never came) is ended, then told.
    let mut idle = database.client();
    idle.batch_execute("BEGIN; SELECT 1").unwrap();
    let row = idle
        .query_one(
            "SELECT pg_backend_pid(), (SELECT backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid())",
            &[],
        )
        .unwrap();
    let session = conn::Session { pid: row.get(0), started: row.get(1) };
    let err = repo.resolve(set, "tok-2", &session).unwrap_err();
    assert!(err.to_string().contains("nothing of it was saved"), "{err}");
    assert!(idle.batch_execute("SELECT 1").is_err(), "the idle session was ended");
}

/// Runs `openssl` in `dir`; false (having said so) where it is missing.
fn openssl(dir: &std::path::Path, args: &[&str]) -> bool {
    match std::process::Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => panic!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => {
            eprintln!("skipped: the openssl program (to make test certificates) is not installed");
            false
        }
    }
}

/// TLS as `sslmode` says, against a server of the test's own that takes
/// TLS connections only, with a certificate for `localhost` from a test CA.
#[test]
fn tls_is_used_and_checked_as_sslmode_says() {
    let test = "tls_is_used_and_checked_as_sslmode_says";
    if super::testing::server(test).is_none() {
        return;
    }
    let Some(cluster) = Cluster::create(test) else { return };
    let dir = cluster.folder();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    let made = openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
            &[
                "-subj",
                "/CN=Shopfront test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat(),
    ) && openssl(
        dir,
        &[&["req"][..], &ec, &["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]].concat(),
    ) && openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    if !made {
        return;
    }
    for file in ["server.key", "server.crt"] {
        let path = dir.join(file);
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        cluster.give(&path);
    }
    cluster.configure(
        &format!("ssl = on\nssl_cert_file = '{0}/server.crt'\nssl_key_file = '{0}/server.key'", dir.display()),
        Some("hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject"),
    );
    cluster.start_again();
    let ca = dir.join("ca.pem").display().to_string();
    let url = |host: &str, query: &str| {
        format!(
            "postgres://{}:{}@{host}:{}/postgres?{query}",
            super::testing::CLUSTER_USER,
            super::testing::CLUSTER_PASSWORD,
            cluster.port()
        )
    };
    let encrypted = |url: &str| -> Result<bool, RepoError> {
        let mut client = super::testing::client(url)?;
        Ok(client.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]).unwrap().get(0))
    };
    assert!(encrypted(&url("127.0.0.1", "sslmode=require")).unwrap(), "require: encrypted, not checked");
    assert!(encrypted(&url("127.0.0.1", "sslmode=prefer")).unwrap(), "prefer: encrypted when offered");
    assert!(encrypted(&url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}"))).unwrap());
    assert!(encrypted(&url("127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}"))).unwrap(), "the chain only");
    for (wrong, why) in [
        (url("127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}")), "not for that name"),
        (url("localhost", "sslmode=verify-full"), "not from a CA Mozilla trusts"),
        (url("127.0.0.1", &format!("sslmode=require&sslrootcert={}", dir.join("server.ext").display())), "no CA"),
    ] {
        let err = encrypted(&wrong).unwrap_err();
        let shown = err.to_string();
        assert!(shown.contains("TLS") || shown.contains("certificates to trust"), "{why}: {shown}");
        assert!(!shown.contains(super::testing::CLUSTER_PASSWORD), "{shown}");
    }
    assert!(encrypted(&url("127.0.0.1", "sslmode=disable")).is_err(), "the server takes TLS only");
    // The store itself, checked fully.
    let repo = PgRepo::connect(&url("localhost", &format!("sslmode=verify-full&sslrootcert={ca}"))).unwrap();
    commit(&repo, vec![Change::PutProduct(product("P1", 1))]);
    assert!(repo.read().unwrap().product("P1").unwrap().is_some());
}

/// Two checkouts of carts holding the same products in opposite orders,
/// each reading its products one by one as the rule does: they take turns,
/// neither is refused as a deadlock.
#[test]
fn checkouts_of_the_same_products_in_any_order_never_deadlock() {
    let database = database!("checkouts_of_the_same_products_in_any_order_never_deadlock");
    let line = |id: &str| -> crate::domain::CartLine {
        record(&format!(r#"{{"product_id":"{id}","qty":1,"unit_price":2.5}}"#))
    };
    let mut ann = Cart::new("ann");
    ann.items = vec![line("A"), line("B")];
    let mut bob = Cart::new("bob");
    bob.items = vec![line("B"), line("A")];
    commit(
        &database.repo(),
        vec![
            Change::PutProduct(product("A", 9)),
            Change::PutProduct(product("B", 9)),
            Change::PutCart(ann),
            Change::PutCart(bob),
        ],
    );
    let stores = [database.repo(), database.repo()];
    let placed: Vec<Result<String, RepoError>> = race(&stores, |n, repo, start| {
        let name = ["ann", "bob"][n];
        let mut tx = repo.write()?;
        start.wait();
        let id = tx.next_order_id()?;
        let cart = tx.cart(name)?.expect("a cart");
        for line in &cart.items {
            let current = tx.product(&line.product_id)?.expect("a product");
            std::thread::sleep(Duration::from_millis(50));
            tx.stage(Change::PutProduct(Product { stock: current.stock - 1, ..current }));
        }
        tx.stage(Change::PutOrder(order(&id, name)));
        tx.commit().map(|_| id)
    });
    assert!(placed.iter().all(Result::is_ok), "{placed:?}");
    let read = stores[0].read().unwrap();
    assert_eq!(read.product("A").unwrap().map(|p| p.stock), Some(7));
    assert_eq!(read.product("B").unwrap().map(|p| p.stock), Some(7));
}

#[test]
#[ignore = "a measurement: cargo test --lib connect_time -- --ignored --nocapture"]
fn connect_time() {
    let database = database!("connect_time");
    drop(database.repo());
    let started = std::time::Instant::now();
    for _ in 0..5 {
        drop(super::testing::client(database.url()).unwrap());
    }
    println!("one connection: {:?}", started.elapsed() / 5);
}

/// A product in demand is held by one machine's sale for as long as that
/// sale takes: a shopper adding it to a cart meanwhile (here, or on any
/// other machine) does not wait for it. The sale itself still waits for
/// the product, so its units are never sold twice.
#[test]
fn adding_a_product_to_a_cart_does_not_wait_for_its_sale() {
    use crate::shop::ShopService;
    let database = database!("adding_a_product_to_a_cart_does_not_wait_for_its_sale");
    commit(&database.repo(), vec![Change::PutProduct(product("P1", 5))]);
    let shop = ShopService::new(Arc::new(database.repo()), crate::clock::now).unwrap();
    let alice = shop.register("alice", "s3cret-pass").unwrap();
    // Another machine's checkout, holding the product.
    let mut sale = database.client();
    sale.batch_execute("BEGIN; SELECT stock FROM shopfront.products WHERE product_id = 'P1' FOR UPDATE").unwrap();
    let started = std::time::Instant::now();
    let cart = shop.add_to_cart(&alice, "P1", 2).expect("added while the product is held");
    assert!(started.elapsed() < Duration::from_secs(2), "did not wait: {:?}", started.elapsed());
    assert_eq!(cart.items.len(), 1);
    // A change of the product itself waits, and is refused as busy if the
    // sale holds on past the lock timeout; here the sale ends first.
    let releasing = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        sale.batch_execute("UPDATE shopfront.products SET stock = 4 WHERE product_id = 'P1'; COMMIT").unwrap();
    });
    let repo = database.repo();
    let tx = repo.write().unwrap();
    let held = std::time::Instant::now();
    assert_eq!(tx.product("P1").unwrap().map(|p| p.stock), Some(4), "read after the sale, as it left it");
    assert!(held.elapsed() >= Duration::from_millis(200), "waited for the sale: {:?}", held.elapsed());
    drop(tx);
    releasing.join().unwrap();
}
