//! `cargo run --release --example big_folder -- DIR [PRODUCTS] [ORDERS] [USERS]`
//! writes a large data folder for trying Shopfront on a big shop.

#[path = "../benches/support/big_folder.rs"]
mod big_folder;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: big_folder DIR [PRODUCTS] [ORDERS] [USERS]");
        std::process::exit(2);
    };
    let number = |i: usize, default: usize| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (products, orders, users) = (number(1, 100_000), number(2, 100_000), number(3, 1_000));
    if let Err(e) = big_folder::write_big_folder(std::path::Path::new(dir), products, orders, users) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    println!("wrote {products} products, {orders} orders and {users} users to {dir}");
}
