//! The storage contract (`shopfront::repo`), checked the same way on every
//! backend: `repo_suite!` is instantiated once per backend, each test with
//! a fresh store and a way to open a second, independent handle on it (as
//! another process would).

use std::collections::BTreeSet;
use std::sync::Arc;

use shopfront::domain::{Money, Order, Product};
use shopfront::repo::{Change, Feed, Ids, LoginFailures, Repo, RepoError};

fn product(id: &str, stock: u32) -> Product {
    Product {
        product_id: id.into(),
        name: format!("Thing {id}"),
        price: Money::from_cents(250),
        stock,
        description: None,
        category: Some("Things".into()),
        active: true,
        changed: None,
        extra: Default::default(),
    }
}

fn order(id: &str, username: &str) -> Order {
    // Money is read from the number's own text, so from a string.
    let json = serde_json::json!({
        "order_id": id,
        "username": username,
        "items": [{"product_id": "P1", "name": "Thing P1", "qty": 1, "unit_price": 2.5}],
        "total": 2.5,
        "timestamp": "2026-12-01 10:00:00",
        "status": "paid",
    });
    serde_json::from_str(&json.to_string()).expect("an order")
}

fn commit(repo: &dyn Repo, changes: Vec<Change>) {
    let mut tx = repo.write().expect("write");
    for change in changes {
        tx.stage(change);
    }
    tx.commit().expect("commit");
}

fn stock_of(repo: &dyn Repo, id: &str) -> Option<u32> {
    repo.read().expect("read").product(id).expect("product").map(|p| p.stock)
}

/// Runs `attempt` until it is not `Busy` (another writer holds the data).
fn retrying<T>(mut attempt: impl FnMut() -> Result<T, RepoError>) -> T {
    loop {
        match attempt() {
            Err(RepoError::Busy) => std::thread::sleep(std::time::Duration::from_millis(2)),
            other => return other.expect("no error but Busy"),
        }
    }
}

/// A place for one test's store: `open()` gives a new handle on the same
/// data each time.
trait Backend {
    fn open(&self) -> Arc<dyn Repo>;
}

macro_rules! repo_suite {
    ($backend:ident, $make:expr) => {
        mod $backend {
            use super::*;

            /// `None`: this test is skipped (it said why).
            fn backend() -> Option<impl Backend> {
                $make
            }

            #[test]
            fn a_dropped_write_changes_nothing() {
                let Some(place) = backend() else { return };
                let repo = place.open();
                let mut tx = repo.write().expect("write");
                tx.stage(Change::PutProduct(product("P77", 3)));
                let id = tx.next_order_id().expect("an id");
                tx.stage(Change::PutOrder(order(&id, "alice")));
                drop(tx);
                assert_eq!(stock_of(&*repo, "P77"), None);
                assert_eq!(repo.read().expect("read").order(&id).expect("order"), None);
                let other = place.open();
                assert_eq!(stock_of(&*other, "P77"), None, "another handle sees nothing either");
                // And the data is not held: the next writer goes ahead.
                let mut tx = other.write().expect("write after a dropped one");
                tx.stage(Change::PutProduct(product("P78", 1)));
                tx.commit().expect("commit");
                assert_eq!(stock_of(&*repo, "P78"), Some(1));
            }

            #[test]
            fn a_commit_is_seen_by_every_handle_and_in_the_feed() {
                let Some(place) = backend() else { return };
                let (repo, other) = (place.open(), place.open());
                let start = match other.changes_after(0).expect("feed") {
                    Feed::Changes(sets) => sets.last().map_or(0, |s| s.id),
                    Feed::Gap { latest } => latest,
                };
                let mut cart = shopfront::domain::Cart::new("Alice");
                cart.add(&product("P1", 5), 2).expect("add");
                let mut tx = repo.write().expect("write");
                tx.stage(Change::PutProduct(product("P1", 5)));
                tx.stage(Change::PutCart(cart));
                let set = tx.commit().expect("commit");
                assert_eq!(set.products, Ids::Some(BTreeSet::from(["P1".to_string()])));
                assert_eq!(set.carts, Ids::Some(BTreeSet::from(["alice".to_string()])));
                assert!(set.orders.is_none() && set.codes.is_none() && !set.settings);
                match repo.changes_after(set.id - 1).expect("feed") {
                    Feed::Changes(sets) => assert_eq!(sets, vec![set.clone()]),
                    gap => panic!("{gap:?}"),
                }
                assert_eq!(repo.changes_after(set.id).expect("feed"), Feed::Changes(vec![]));
                // Another handle (another process) reads it, and hears of it by id.
                let view = other.read().expect("read");
                assert_eq!(view.cart("alice").expect("cart").map(|c| c.items.len()), Some(1));
                drop(view);
                let heard = match other.changes_after(start).expect("feed") {
                    Feed::Changes(sets) => sets,
                    gap => panic!("{gap:?}"),
                };
                let mut all_heard = shopfront::repo::ChangeSet::default();
                heard.iter().for_each(|set| all_heard.merge(set));
                assert_eq!(all_heard.products, Ids::Some(BTreeSet::from(["P1".to_string()])), "{heard:?}");
                assert_eq!(all_heard.carts, Ids::Some(BTreeSet::from(["alice".to_string()])), "{heard:?}");
                assert!(all_heard.orders.is_none() && all_heard.codes.is_none(), "{heard:?}");
            }

            #[test]
            fn order_ids_stay_unique_under_racing_writers() {
                let Some(place) = backend() else { return };
                let handles: Vec<Arc<dyn Repo>> = (0..4).map(|_| place.open()).collect();
                let ids: Vec<String> = std::thread::scope(|scope| {
                    let writers: Vec<_> = handles
                        .iter()
                        .enumerate()
                        .map(|(n, repo)| {
                            scope.spawn(move || {
                                (0..15)
                                    .map(|_| {
                                        retrying(|| {
                                            let mut tx = repo.write()?;
                                            let id = tx.next_order_id()?;
                                            tx.stage(Change::PutOrder(order(&id, &format!("writer{n}"))));
                                            tx.commit()?;
                                            Ok(id)
                                        })
                                    })
                                    .collect::<Vec<String>>()
                            })
                        })
                        .collect();
                    writers.into_iter().flat_map(|w| w.join().expect("a writer")).collect()
                });
                let unique: BTreeSet<&String> = ids.iter().collect();
                assert_eq!(unique.len(), 60, "every id given once: {ids:?}");
                let mut stored = 0;
                place.open().read().expect("read").each_order(&mut |_| stored += 1).expect("scan");
                assert_eq!(stored, 60, "no order overwritten by another with its id");
            }

            #[test]
            fn conflicting_writers_lose_no_update() {
                let Some(place) = backend() else { return };
                let first = place.open();
                let mut tx = first.write().expect("write");
                tx.stage(Change::PutProduct(product("P5", 0)));
                tx.commit().expect("commit");
                let handles: Vec<Arc<dyn Repo>> = (0..3).map(|_| place.open()).collect();
                std::thread::scope(|scope| {
                    for repo in &handles {
                        scope.spawn(move || {
                            for _ in 0..20 {
                                retrying(|| {
                                    let mut tx = repo.write()?;
                                    let current = tx.product("P5")?.expect("P5");
                                    tx.stage(Change::PutProduct(Product { stock: current.stock + 1, ..current }));
                                    tx.commit()
                                });
                            }
                        });
                    }
                });
                assert_eq!(stock_of(&*first, "P5"), Some(60), "every read-modify-write counted");
            }

            /// Failed-login counts are shared by every handle, and a
            /// read-modify-write of them is never interleaved.
            #[test]
            fn login_failures_are_counted_once_each_across_handles() {
                let Some(place) = backend() else { return };
                let handles: Vec<Arc<dyn Repo>> = (0..3).map(|_| place.open()).collect();
                std::thread::scope(|scope| {
                    for repo in &handles {
                        scope.spawn(move || {
                            for i in 0..20 {
                                repo.login_failures(&["account:eve", "from:10.0.0.9"], &mut |records| {
                                    for record in records.iter_mut() {
                                        let r = record.get_or_insert(LoginFailures {
                                            count: 0,
                                            last_ms: 0,
                                            last_from: String::new(),
                                        });
                                        r.count += 1;
                                        r.last_ms = 1_800_000_000_000 + i;
                                        r.last_from = "10.0.0.9".into();
                                    }
                                })
                                .expect("count a failure");
                            }
                        });
                    }
                });
                let mut seen = Vec::new();
                place
                    .open()
                    .login_failures(&["from:10.0.0.9", "account:eve", "account:bob"], &mut |records| {
                        seen = records.to_vec()
                    })
                    .expect("read the counts");
                let counts: Vec<Option<u32>> = seen.iter().map(|r| r.as_ref().map(|r| r.count)).collect();
                assert_eq!(counts, [Some(60), Some(60), None]);
                // Removing a record removes it for everyone.
                handles[0].login_failures(&["account:eve"], &mut |records| records[0] = None).expect("forget");
                handles[1].login_failures(&["account:eve"], &mut |records| seen = records.to_vec()).expect("read");
                assert_eq!(seen, [None]);
            }

            #[test]
            fn old_login_failures_are_forgotten() {
                let Some(place) = backend() else { return };
                let repo = place.open();
                let failure = |at: i64| LoginFailures { count: 2, last_ms: at, last_from: "10.0.0.1".into() };
                repo.login_failures(&["from:a", "account:x"], &mut |r| {
                    r[0] = Some(failure(1_000));
                    r[1] = Some(failure(2_000));
                })
                .unwrap();
                let mut seen = Vec::new();
                repo.login_failures(&["account:x", "from:a"], &mut |r| seen = r.to_vec()).unwrap();
                assert_eq!(seen, [Some(failure(2_000)), Some(failure(1_000))]);
                let later = 1_000 + 60 * 60 * 1000;
                repo.login_failures(&["from:b"], &mut |r| r[0] = Some(failure(later))).unwrap();
                repo.login_failures(&["from:a", "account:x", "from:b"], &mut |r| seen = r.to_vec()).unwrap();
                assert_eq!(
                    seen,
                    [None, Some(failure(2_000)), Some(failure(later))],
                    "an hour older than the newest: gone"
                );
                // The same key twice: the last word is kept.
                repo.login_failures(&["k", "k"], &mut |r| {
                    r[0] = Some(failure(later));
                    r[1] = Some(failure(later + 1));
                })
                .unwrap();
                repo.login_failures(&["k"], &mut |r| seen = r.to_vec()).unwrap();
                assert_eq!(seen, [Some(failure(later + 1))]);
            }

            #[test]
            fn a_panic_inside_a_write_leaves_nothing_half_done() {
                let Some(place) = backend() else { return };
                let repo = place.open();
                let inside = Arc::clone(&repo);
                let crashed = std::thread::spawn(move || {
                    let mut tx = inside.write().unwrap();
                    tx.product("P1").unwrap();
                    tx.stage(Change::PutProduct(product("P1", 1)));
                    panic!("a rule panics mid-change");
                })
                .join();
                assert!(crashed.is_err());
                assert_eq!(stock_of(&*repo, "P1"), None);
                // Its locks are gone with it: the next writer goes ahead.
                commit(&*repo, vec![Change::PutProduct(product("P2", 1))]);
                assert_eq!(stock_of(&*place.open(), "P2"), Some(1));
            }
        }
    };
}

/// A JSON data folder in a temporary directory; each handle is its own
/// `Store`, as another process's would be.
struct Folder(tempfile::TempDir);

impl Backend for Folder {
    fn open(&self) -> Arc<dyn Repo> {
        let store = shopfront::store::Store::open(self.0.path()).expect("open the folder");
        Arc::new(shopfront::store::repo::FolderRepo::new(store))
    }
}

repo_suite!(json_folder, Some(Folder(tempfile::tempdir().expect("temp dir"))));

/// A change another process left in the journal (killed between writing it
/// and replacing the files) is finished by the next look, and the feed
/// names what it changed.
#[test]
fn a_change_finished_from_the_journal_is_in_the_feed() {
    let folder = Folder(tempfile::tempdir().expect("temp dir"));
    let repo = folder.open();
    commit(&*repo, vec![Change::PutProduct(product("P1", 5))]);
    let start = match repo.changes_after(0).expect("feed") {
        Feed::Changes(sets) => sets.last().map_or(0, |s| s.id),
        Feed::Gap { latest } => latest,
    };
    let left = vec![Change::PutProduct(product("P1", 4)), Change::PutOrder(order("O0001", "alice"))];
    shopfront::store::journal::write(folder.0.path(), &left).expect("a journal");
    assert_eq!(stock_of(&*repo, "P1"), Some(4), "finished");
    let Feed::Changes(heard) = repo.changes_after(start).expect("feed") else { panic!("a gap") };
    let mut all_heard = shopfront::repo::ChangeSet::default();
    heard.iter().for_each(|set| all_heard.merge(set));
    assert!(all_heard.products.has("P1"), "{heard:?}");
    assert!(all_heard.orders.has("O0001") && all_heard.order_owners.has("alice"), "{heard:?}");
}

/// The folder's order numbers follow orders.json without gaps: an id taken
/// by a change that stored no order is given again; one stored, or one
/// another process stored, is not.
#[test]
fn folder_order_numbers_follow_the_file() {
    let folder = Folder(tempfile::tempdir().expect("temp dir"));
    let (repo, other) = (folder.open(), folder.open());
    let next = |repo: &dyn Repo, store: bool| {
        let mut tx = repo.write().expect("write");
        let id = tx.next_order_id().expect("an id");
        if store {
            tx.stage(Change::PutOrder(order(&id, "alice")));
        }
        tx.commit().expect("commit");
        id
    };
    assert_eq!(next(&*repo, true), "O0001");
    assert_eq!(next(&*repo, false), "O0002");
    assert_eq!(next(&*repo, true), "O0002", "not stored: given again");
    assert_eq!(next(&*other, true), "O0003", "another process reads the file");
    assert_eq!(next(&*repo, true), "O0004", "and this one sees what it stored");
    commit(&*other, vec![Change::PutOrder(order("O0041", "bob"))]);
    assert_eq!(next(&*repo, true), "O0042");
}

/// An SQLite database in a temporary directory; each handle is its own
/// `SqliteRepo` on the file (its own connections), as another process's
/// would be.
struct Sqlite(tempfile::TempDir);

impl Backend for Sqlite {
    fn open(&self) -> Arc<dyn Repo> {
        let repo =
            shopfront::repo::sqlite::SqliteRepo::open(&self.0.path().join("shop.db")).expect("open the database");
        Arc::new(repo)
    }
}

repo_suite!(sqlite, Some(Sqlite(tempfile::tempdir().expect("temp dir"))));

/// A database of its own on the server `SHOPFRONT_TEST_PG` names, dropped
/// after the test; each handle is its own `PgRepo` (its own pool of
/// connections), as another process's or machine's would be. Without the
/// variable the tests say they are skipped (and fail in CI, where
/// `SHOPFRONT_CI` is set).
struct Postgres(Arc<shopfront::repo::postgres::testing::TestDatabase>);

impl Postgres {
    fn new() -> Option<Postgres> {
        let test = std::thread::current().name().unwrap_or("a postgres test").to_string();
        shopfront::repo::postgres::testing::TestDatabase::create(&test).map(|db| Postgres(Arc::new(db)))
    }
}

impl Backend for Postgres {
    fn open(&self) -> Arc<dyn Repo> {
        Arc::new(shopfront::repo::postgres::testing::TestRepo::open(&self.0))
    }
}

repo_suite!(postgres, Postgres::new());
