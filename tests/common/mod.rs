//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use shopfront::domain::Timestamp;
use shopfront::store::Store;

pub fn fixed_clock() -> Timestamp {
    Timestamp::parse("2026-03-01 12:00:00").expect("valid time")
}

/// A fresh temp folder; the `TempDir` must outlive its use.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Opens a store on `dir` with a pinned clock.
pub fn open(dir: &Path) -> Store {
    let mut store = Store::open(dir).expect("store opens");
    store.set_clock(fixed_clock);
    store
}

/// Writes a small products.json: (id, name, price text, stock).
pub fn write_products(dir: &Path, products: &[(&str, &str, &str, u32)]) {
    let rows: Vec<String> = products
        .iter()
        .map(|(id, name, price, stock)| {
            format!(r#"{{"product_id":"{id}","name":"{name}","price":{price},"stock":{stock},"category":"Test"}}"#)
        })
        .collect();
    fs::create_dir_all(dir).expect("mkdir");
    fs::write(dir.join("products.json"), format!("[\n{}\n]\n", rows.join(",\n"))).expect("write products");
}

/// Copies the console shop's folder from ../shared into `into`.
pub fn copy_legacy_fixture(into: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/legacy-console-shop");
    let target = into.join("legacy");
    fs::create_dir_all(&target).expect("mkdir");
    for entry in fs::read_dir(&source).expect("legacy fixture present in ../shared") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), target.join(entry.file_name())).expect("copy");
    }
    target
}

pub fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_default()
}

pub fn stock_of(store: &Store, id: &str) -> u32 {
    store.data().products.get(id).map(|p| p.stock).expect("product exists")
}
