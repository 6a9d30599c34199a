//! Several processes on one folder, and processes killed with SIGKILL in the
//! middle of checkouts. The test binary re-runs itself as the worker process
//! (`worker_entry` with `SHOPFRONT_TEST_WORKER` set).

mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use shopfront::domain::{OrderStatus, ProductDetails};
use shopfront::shop::ShopError;
use shopfront::store::Store;

const WORKER_ENV: &str = "SHOPFRONT_TEST_WORKER";
const DIR_ENV: &str = "SHOPFRONT_TEST_DIR";
const ID_ENV: &str = "SHOPFRONT_TEST_WORKER_ID";

const SCARCE: u32 = 20;
const PLENTY: u32 = 1_000_000;
const USERS_PER_WORKER: usize = 3;
const ATTEMPTS_PER_USER: usize = 3;
const ADMIN_ROUNDS: u32 = 30;

fn spawn_worker(kind: &str, dir: &Path, id: usize) -> Child {
    Command::new(std::env::current_exe().expect("test binary"))
        .args(["worker_entry", "--exact", "--nocapture", "--test-threads=1", "--quiet"])
        .env(WORKER_ENV, kind)
        .env(DIR_ENV, dir)
        .env(ID_ENV, id.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn worker")
}

/// The entry point of worker processes; does nothing in a normal test run.
#[test]
fn worker_entry() {
    let Ok(kind) = std::env::var(WORKER_ENV) else { return };
    let dir = std::path::PathBuf::from(std::env::var(DIR_ENV).expect("dir"));
    let id: usize = std::env::var(ID_ENV).expect("id").parse().expect("number");
    match kind.as_str() {
        "hammer" => hammer(&dir, id),
        "admin" => admin_at_work(&dir),
        "crash" => checkout_forever(&dir),
        other => panic!("unknown worker {other}"),
    }
}

/// Registers users, keeps a P2 in each cart, and tries to buy scarce P1s.
fn hammer(dir: &Path, id: usize) {
    let mut store = Store::open(dir).expect("open");
    let mut placed = 0;
    for u in 0..USERS_PER_WORKER {
        let name = format!("w{id}u{u}");
        store.register(&name, "hammer-pass").expect("register");
        store.add_to_cart(&name, "P2", 1).expect("add P2");
        for _ in 0..ATTEMPTS_PER_USER {
            match store.add_to_cart(&name, "P1", 1) {
                Ok(_) => {}
                Err(ShopError::Cart(_)) => continue, // sold out
                Err(e) => panic!("add P1: {e}"),
            }
            // Buy only the P1: move P2 aside and back so the cart survives.
            store.remove_from_cart(&name, "P2").expect("remove P2");
            let cart = store.cart(&name);
            match store.checkout(&name, &paying(quoted(&cart.items))) {
                Ok(_) => placed += 1,
                Err(ShopError::Checkout(_)) => {
                    store.accept_adjusted_cart(&name).expect("adjust");
                }
                Err(e) => panic!("checkout: {e}"),
            }
            let left = store.cart(&name);
            if left.qty_of("P1") > 0 {
                store.remove_from_cart(&name, "P1").expect("drop P1");
            }
            store.add_to_cart(&name, "P2", 1).expect("add P2 back");
        }
    }
    println!("placed {placed}");
}

/// An admin editing both products' texts and restocking them while the
/// shoppers buy: P1 gains units one by one, P2 gains and loses 3 at a time.
fn admin_at_work(dir: &Path) {
    let mut store = Store::open(dir).expect("open");
    let mut added = 0;
    for round in 0..ADMIN_ROUNDS {
        for id in ["P1", "P2"] {
            store.refresh().expect("refresh");
            let seen = store.data().products.get(id).expect("product").details();
            let wanted = ProductDetails { description: Some(format!("edited in round {round}")), ..seen.clone() };
            store.update_product("boss", id, &seen, wanted).expect("edit");
        }
        store.change_stock("boss", "P1", 1).expect("restock P1");
        added += 1;
        store.change_stock("boss", "P2", 3).expect("restock P2");
        store.change_stock("boss", "P2", -3).expect("unstock P2");
    }
    println!("added {added}");
}

#[test]
fn four_processes_never_oversell_or_lose_anything() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Last Units", "5.00", SCARCE), ("P2", "Plenty", "1.00", PLENTY)]);
    open(dir.path()).add_admin("boss", "b0ss-pass").expect("admin");
    let admin = spawn_worker("admin", dir.path(), 99);
    let workers: Vec<Child> = (0..4).map(|id| spawn_worker("hammer", dir.path(), id)).collect();
    let mut placed_by_workers = 0;
    for worker in workers {
        let out = worker.wait_with_output().expect("worker ran");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "worker failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let line = stdout.lines().find_map(|l| l.strip_prefix("placed ")).expect("worker reports");
        placed_by_workers += line.trim().parse::<u32>().expect("count");
    }
    let out = admin.wait_with_output().expect("admin ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "admin failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let added: u32 = stdout.lines().find_map(|l| l.strip_prefix("added ")).expect("admin reports").parse().unwrap();
    assert_eq!(added, ADMIN_ROUNDS);
    let store = open(dir.path());
    let data = store.data();
    assert_eq!(data.users.len(), 4 * USERS_PER_WORKER + 1, "no registration lost");
    let sold: u32 = data.orders.rows().iter().flat_map(|o| &o.items).map(|l| l.qty).sum();
    assert_eq!(data.orders.len() as u32, placed_by_workers, "every order placed is kept");
    assert_eq!(sold, placed_by_workers, "one unit per order");
    // Edits never moved stock: what is left plus what was sold is what there ever was.
    assert_eq!(stock_of(&store, "P1") + sold, SCARCE + added, "P1 units conserved");
    assert_eq!(stock_of(&store, "P2"), PLENTY, "P2 units conserved");
    for id in ["P1", "P2"] {
        let description = data.products.get(id).unwrap().description.clone();
        assert_eq!(description.as_deref(), Some(format!("edited in round {}", ADMIN_ROUNDS - 1).as_str()));
    }
    for user in data.users.rows().iter().filter(|u| !u.is_admin()) {
        let cart = store.cart(&user.username);
        assert_eq!(cart.qty_of("P2"), 1, "cart of {} lost", user.username);
        assert_eq!(cart.qty_of("P1"), 0);
    }
    let ids: HashSet<&str> = data.orders.rows().iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(ids.len(), placed_by_workers as usize);
    assert!(!dir.path().join("journal.json").exists());
}

/// Adds `n % 3 + 1` units (n = orders so far) and checks out, forever.
fn checkout_forever(dir: &Path) {
    let mut store = Store::open(dir).expect("open");
    loop {
        let done = store.data().orders_of("crash").len();
        if store.cart("crash").is_empty() {
            store.add_to_cart("crash", "P1", done as u32 % 3 + 1).expect("add");
        }
        let cart = store.cart("crash");
        store.checkout("crash", &paying(quoted(&cart.items))).expect("checkout");
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

#[test]
fn kill_nine_mid_checkout_leaves_all_or_nothing() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Widget", "2.50", PLENTY)]);
    let mut store = open(dir.path());
    store.register("crash", "crash-pass").expect("register");
    drop(store);
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7) | 1;
    let mut rng = Rng(seed);
    let kills = 200;
    let mut interrupted_commits = 0;
    for round in 0..kills {
        let mut child = spawn_worker("crash", dir.path(), 0);
        std::thread::sleep(Duration::from_micros(2_000 + rng.below(40_000)));
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        if dir.path().join("journal.json").exists() {
            interrupted_commits += 1;
        }

        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("round {round} (seed {seed}): {e}"));
        let data = store.data();
        let orders = data.orders_of("crash");
        let ordered: u64 = orders.iter().filter(|o| o.status != OrderStatus::Cancelled).map(|o| o.item_count()).sum();
        assert_eq!(
            u64::from(stock_of(&store, "P1")) + ordered,
            u64::from(PLENTY),
            "round {round} (seed {seed}): stock conservation"
        );
        let cart = store.cart("crash");
        if !cart.is_empty() {
            // Only the add for the *next* order may be pending; a cart that
            // should have been cleared by the last order would hold its quantity.
            assert_eq!(cart.qty_of("P1"), orders.len() as u64 % 3 + 1, "round {round}: cart not cleared");
        }
        let expected: HashSet<String> = (1..=orders.len() as u64).map(|n| format!("O{n:04}")).collect();
        let actual: HashSet<String> = orders.iter().map(|o| o.order_id.clone()).collect();
        assert_eq!(actual, expected, "round {round}: order ids unique and without gaps");
        for (i, order) in orders.iter().rev().enumerate() {
            assert_eq!(order.item_count(), i as u64 % 3 + 1, "round {round}: order {} content", order.order_id);
        }
        assert!(!dir.path().join("journal.json").exists(), "round {round}: journal replayed");
    }
    let store = open(dir.path());
    let placed = store.data().orders.len();
    eprintln!("{kills} kills: {placed} orders placed, {interrupted_commits} commits interrupted after the journal");
    assert!(placed >= 20, "children should have placed orders before being killed (placed {placed})");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
