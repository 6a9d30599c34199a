//! Processes buying, cancelling, restocking and registering through the
//! service, killed with SIGKILL at random moments, on every backend. After
//! each kill the shop is consistent: units in stock plus units in orders not
//! cancelled = the units there ever were; order ids unique; every account,
//! order and cancellation a worker reported done is there. The test binary
//! re-runs itself as the worker (`worker_entry`, `CRASH_WORKER` set).

mod common;

use std::collections::HashSet;
use std::io::Read;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::paying;
use shopfront::domain::{OrderStatus, ProductDraft};
use shopfront::repo::Repo;
use shopfront::shop::ShopService;

const WORKER_ENV: &str = "CRASH_WORKER";
const INITIAL: u32 = 100_000;
const RESTOCK: u32 = 5;

/// A store named as `--store` names it: a folder's path, sqlite:PATH, or
/// a postgres:// URL (opened here: `Location` does not know it yet).
fn open_shop(spec: &str) -> Arc<ShopService> {
    if spec.starts_with("postgres://") {
        return ShopService::new(open_repo(spec), shopfront::clock::now).expect("open the shop");
    }
    let location = shopfront::location::Location::parse(&spec.into(), "store").expect("a store");
    ShopService::open(&location, shopfront::store::LockWait::Patient { notice: |_| {} }).expect("open the shop")
}

fn open_repo(spec: &str) -> Arc<dyn Repo> {
    if spec.starts_with("postgres://") {
        return Arc::new(shopfront::repo::postgres::PgRepo::connect(spec).expect("open the database"));
    }
    let location = shopfront::location::Location::parse(&spec.into(), "store").expect("a store");
    shopfront::open::open_repo(&location, shopfront::store::LockWait::Patient { notice: |_| {} })
        .expect("open the repo")
}

fn spawn_worker(spec: &str, seed: u64) -> Child {
    common::spawn_test_worker(&[(WORKER_ENV, format!("{seed} {spec}"))])
}

/// The entry point of worker processes; does nothing in a normal test run.
#[test]
fn worker_entry() {
    let Ok(job) = std::env::var(WORKER_ENV) else { return };
    let (seed, spec) = job.split_once(' ').expect("seed and store");
    work(spec, seed.parse().expect("a seed"));
}

/// Registers, buys, cancels and restocks, in turn, forever; says each
/// thing once it is done (a line on stdout, flushed).
fn work(spec: &str, seed: u64) {
    use std::io::Write;
    let shop = open_shop(spec);
    let boss = shop.login("boss", "b0ss-pass").expect("boss");
    let shopper = shop.login("crash", "crash-pass").expect("shopper");
    let product = shop.catalog().products().get(0).expect("a product").product_id.clone();
    let mut out = std::io::stdout();
    let mut rng = Rng(seed | 1);
    for n in 0.. {
        let said = match n % 4 {
            0 => {
                let name = format!("u{seed}x{n}");
                shop.register(&name, "pass-word").expect("register");
                format!("registered {name}")
            }
            1 => {
                shop.add_to_cart(&shopper, &product, rng.below(3) as u32 + 1).expect("add");
                let mut request = paying(shop.quote(&shopper, None).expect("quote"));
                request.key = shop.profile(&shopper).expect("profile").checkout_key;
                format!("placed {}", shop.checkout(&shopper, &request).expect("checkout").order_id)
            }
            2 => {
                let orders = shop.orders_of(&shopper).expect("orders");
                let Some(order) = orders.iter().find(|o| o.status == OrderStatus::Paid && rng.below(2) == 0) else {
                    continue;
                };
                format!("cancelled {}", shop.cancel_order(&shopper, &order.order_id).expect("cancel").order_id)
            }
            _ => {
                shop.change_stock(&boss, &product, i64::from(RESTOCK)).expect("restock");
                "restocked".to_string()
            }
        };
        // A line is the worker's word that it is done.
        let _ = writeln!(out, "{said}").and_then(|()| out.flush());
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// What workers said they did, over every round.
#[derive(Default)]
struct Reported {
    accounts: Vec<String>,
    placed: Vec<String>,
    cancelled: Vec<String>,
    restocks: u32,
}

impl Reported {
    fn take(&mut self, output: &str) {
        // Only whole lines: the last may have been cut by the kill.
        let whole = output.rfind('\n').map_or("", |end| &output[..end]);
        for line in whole.lines() {
            match line.split_once(' ') {
                Some(("registered", name)) => self.accounts.push(name.to_string()),
                Some(("placed", id)) => self.placed.push(id.to_string()),
                Some(("cancelled", id)) => self.cancelled.push(id.to_string()),
                _ if line == "restocked" => self.restocks += 1,
                _ => {}
            }
        }
    }
}

fn campaign(spec: &str, rounds: u32) {
    {
        let shop = open_shop(spec);
        shop.add_admin(&shop.owner_at_machine(), "boss", "b0ss-pass").expect("admin");
        let boss = shop.login("boss", "b0ss-pass").expect("boss");
        shop.register("crash", "crash-pass").expect("shopper");
        let draft =
            ProductDraft::from_input("Widget", "2.50", &INITIAL.to_string(), "", "", &shop.settings().currency())
                .expect("draft");
        shop.create_product(&boss, draft).expect("product");
    }
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7);
    let mut rng = Rng(seed | 1);
    let mut reported = Reported::default();
    for round in 0..rounds {
        let mut child = spawn_worker(spec, seed.wrapping_add(u64::from(round)));
        std::thread::sleep(Duration::from_millis(150 + rng.below(600)));
        child.kill().expect("SIGKILL");
        let mut output = String::new();
        child.stdout.take().expect("stdout").read_to_string(&mut output).expect("worker output");
        child.wait().expect("reaped");
        reported.take(&output);

        let context = format!("round {round} (seed {seed}, {})", shopfront::repo::postgres::redacted(spec));
        let repo = open_repo(spec);
        let view = repo.read().unwrap_or_else(|e| panic!("{context}: {e}"));
        let mut product = None;
        view.each_product(&mut |p| product = Some(p.clone())).expect("products");
        let product = product.expect("the product");
        let (mut sold, mut ids, mut orders) = (0u64, HashSet::new(), 0usize);
        let mut cancelled = HashSet::new();
        view.each_order(&mut |o| {
            orders += 1;
            ids.insert(o.order_id.clone());
            if o.status == OrderStatus::Cancelled {
                cancelled.insert(o.order_id.clone());
            } else {
                sold += o.item_count();
            }
        })
        .expect("orders");
        assert_eq!(ids.len(), orders, "{context}: order ids unique");
        let ever = u64::from(product.stock) + sold;
        let reported_units = u64::from(INITIAL) + u64::from(reported.restocks * RESTOCK);
        // A restock done but killed before it was said counts once more
        // (and from now on).
        assert!(
            ever == reported_units || ever == reported_units + u64::from(RESTOCK),
            "{context}: {} in stock + {sold} sold = {ever}, but {reported_units} were ever there",
            product.stock
        );
        if ever != reported_units {
            reported.restocks += 1;
        }
        for name in &reported.accounts {
            assert!(view.account(name).expect("account").is_some(), "{context}: account {name} lost");
        }
        for id in &reported.placed {
            assert!(ids.contains(id), "{context}: order {id} lost");
        }
        for id in &reported.cancelled {
            assert!(cancelled.contains(id), "{context}: cancellation of {id} lost");
        }
    }
    eprintln!(
        "{spec}: {rounds} kills; {} accounts, {} orders, {} cancellations, {} restocks reported",
        reported.accounts.len(),
        reported.placed.len(),
        reported.cancelled.len(),
        reported.restocks,
        spec = shopfront::repo::postgres::redacted(spec),
    );
    assert!(reported.placed.len() >= rounds as usize / 4, "workers should have placed orders before being killed");
}

#[test]
fn killed_workers_leave_a_json_folder_consistent() {
    let dir = common::temp_dir();
    std::fs::write(dir.path().join("products.json"), "[]").unwrap();
    campaign(dir.path().to_str().expect("a UTF-8 temp path"), 40);
}

#[test]
fn killed_workers_leave_a_sqlite_database_consistent() {
    let dir = common::temp_dir();
    let spec = format!("sqlite:{}", dir.path().join("shop.db").to_str().expect("a UTF-8 temp path"));
    campaign(&spec, 40);
}

/// On the server `SHOPFRONT_TEST_PG` names, in a database of its own.
#[test]
fn killed_workers_leave_a_postgres_database_consistent() {
    let test = "killed_workers_leave_a_postgres_database_consistent";
    let Some(database) = shopfront::repo::postgres::testing::TestDatabase::create(test) else { return };
    campaign(database.url(), 40);
}
