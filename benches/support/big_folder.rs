//! Writes a large, realistic data folder for benchmarks and manual trials.
//! Deterministic: the same sizes give the same files.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

const ADJECTIVES: [&str; 16] = [
    "Compact",
    "Wireless",
    "Braided",
    "Ergonomic",
    "Portable",
    "Silent",
    "Rugged",
    "Slim",
    "Smart",
    "Magnetic",
    "Foldable",
    "Premium",
    "Classic",
    "Turbo",
    "Mini",
    "Pro",
];
const NOUNS: [&str; 16] = [
    "USB-C Cable",
    "Mouse",
    "Keyboard",
    "Laptop Stand",
    "Headphones",
    "Charger",
    "Webcam",
    "Monitor",
    "Speaker",
    "Power Bank",
    "Desk Lamp",
    "SSD",
    "Router",
    "Backpack",
    "Tablet Case",
    "Microphone",
];
const CATEGORIES: [&str; 8] = ["Cables", "Peripherals", "Audio", "Displays", "Power", "Storage", "Networking", "Desk"];
const STATUSES: [&str; 5] = ["placed", "paid", "shipped", "delivered", "cancelled"];
/// One real argon2id hash reused for every generated account (hashing 1,000 would take a minute).
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$2RgP5SEU4DTMOCCXVta/9g$t+RMBeeMO3A6CIdHT04VBajD2os9WiBy6quirw3FQsk";

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

pub fn product_name(i: usize) -> String {
    format!("{} {} {}", ADJECTIVES[i % 16], NOUNS[(i / 16) % 16], i / 256 + 1)
}

/// Writes users.json (`users` accounts named u0…, password "password"),
/// products.json, carts.json and orders.json into `dir`.
pub fn write_big_folder(dir: &Path, products: usize, orders: usize, users: usize) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut rng = Lcg(42);
    let mut out = String::with_capacity(products * 260);
    out.push_str("[\n");
    for i in 0..products {
        let cents = 99 + rng.next(50_000);
        let _ = write!(
            out,
            "{}{{\"product_id\":\"P{}\",\"name\":\"{}\",\"price\":{}.{:02},\"stock\":{},\"description\":\"{} for everyday use: sturdy, tested and backed by a two-year warranty. Model {} ships in recyclable packaging.\",\"category\":\"{}\",\"active\":{}}}",
            if i == 0 { "" } else { ",\n" },
            100_000 + i,
            product_name(i),
            cents / 100,
            cents % 100,
            rng.next(500),
            product_name(i),
            i,
            CATEGORIES[i % 8],
            i % 97 != 0
        );
    }
    out.push_str("\n]\n");
    fs::write(dir.join("products.json"), &out)?;

    out.clear();
    out.push_str("[\n");
    for u in 0..users {
        let _ = write!(
            out,
            "{}{{\"username\":\"u{u}\",\"password_hash\":\"{HASH}\",\"role\":\"customer\",\"created_at\":\"2026-01-01 09:00:00\"}}",
            if u == 0 { "" } else { ",\n" }
        );
    }
    out.push_str("\n]\n");
    fs::write(dir.join("users.json"), &out)?;

    out.clear();
    out.push_str("[\n");
    for u in 0..users {
        let p = rng.next(products as u64) as usize;
        let _ = write!(
            out,
            "{}{{\"username\":\"u{u}\",\"items\":[{{\"product_id\":\"P{}\",\"qty\":1,\"unit_price\":1.5}}]}}",
            if u == 0 { "" } else { ",\n" },
            100_000 + p
        );
    }
    out.push_str("\n]\n");
    fs::write(dir.join("carts.json"), &out)?;

    out.clear();
    out.reserve(orders * 420);
    out.push_str("[\n");
    for o in 0..orders {
        let lines = (1 + rng.next(3) as usize).min(products);
        let mut items = String::new();
        let mut total = 0u64;
        let mut chosen = [usize::MAX; 3];
        for l in 0..lines {
            let mut p = rng.next(products as u64) as usize;
            // An order holds a product on one line only.
            while chosen.contains(&p) {
                p = (p + 1) % products;
            }
            chosen[l] = p;
            let cents = 99 + rng.next(50_000);
            let qty = 1 + rng.next(3);
            total += cents * qty;
            let _ = write!(
                items,
                "{}{{\"product_id\":\"P{}\",\"name\":\"{}\",\"qty\":{qty},\"unit_price\":{}.{:02}}}",
                if l == 0 { "" } else { "," },
                100_000 + p,
                product_name(p),
                cents / 100,
                cents % 100
            );
        }
        let status = STATUSES[rng.next(5) as usize];
        let (day, hour) = (1 + o % 28, o % 24);
        let _ = write!(
            out,
            "{}{{\"order_id\":\"O{:06}\",\"username\":\"u{}\",\"items\":[{items}],\"total\":{}.{:02},\"timestamp\":\"2026-02-{day:02} {hour:02}:00:00\",\"status\":\"{status}\",\"events\":[{{\"at\":\"2026-02-{day:02} {hour:02}:00:00\",\"by\":\"u{}\",\"status\":\"placed\"}}]}}",
            if o == 0 { "" } else { ",\n" },
            o + 1,
            o % users.max(1),
            total / 100,
            total % 100,
            o % users.max(1)
        );
    }
    out.push_str("\n]\n");
    fs::write(dir.join("orders.json"), &out)?;
    Ok(())
}
