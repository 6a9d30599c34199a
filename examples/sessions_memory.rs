//! How much memory more sessions on one shop take:
//! `cargo run --release --example sessions_memory -- DIR 50`
//! (make DIR with `cargo run --release --example big_folder -- DIR 100000 1000 1000`).
//! Prints the resident memory with the shop alone, with one session, and with N.

use ratatui::layout::Rect;
use shopfront::app::App;
use shopfront::shop::ShopService;
use shopfront::store::LockWait;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Resident memory of this process in MiB (Linux).
fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: sessions_memory DIR [N]"));
    let n: usize = args.next().map_or(50, |n| n.parse().expect("a number of sessions"));
    let shop = ShopService::open_folder(&dir, LockWait::Impatient).expect("open the folder");
    // The orders follow the catalog on another thread: measured once they are in.
    shop.refresh().expect("read the orders");
    println!("products: {}", shop.catalog().len());
    println!("shop alone:    {:8.1} MiB", resident_mib());
    let mut apps = vec![App::new(shop.clone(), Rect::new(0, 0, 120, 40))];
    let one = resident_mib();
    println!("1 session:     {one:8.1} MiB");
    apps.extend((1..n).map(|_| App::new(shop.clone(), Rect::new(0, 0, 120, 40))));
    let many = resident_mib();
    println!("{n} sessions:   {many:8.1} MiB  ({:.2}× one session)", many / one);
}
