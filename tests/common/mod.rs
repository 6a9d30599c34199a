//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

pub mod store_rules;
pub use store_rules::StoreRules;

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

/// The repository's copy of the console shop's data folder.
pub fn legacy_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/legacy-console-shop")
}

/// The demo shop (what a fresh folder is seeded with) with the code TEN10
/// (10 % off, once per shopper), moved into a new SQLite database
/// `store/shop.db` under `dir`: the database's path. (A new database holds
/// no catalog of its own; `migrate` is how a shop gets there.)
pub fn demo_shop_in_sqlite(dir: &Path) -> PathBuf {
    let demo = dir.join("demo");
    let add = std::process::Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .args(["admin", "discount", "add", "TEN10", "--percent", "10", "--per-user", "1", "--data-dir"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(add.status.success(), "{add:?}");
    std::fs::create_dir(dir.join("store")).unwrap();
    let database = dir.join("store/shop.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .args(["migrate", "--from"])
        .arg(&demo)
        .arg("--to")
        .arg(format!("sqlite:{}", database.display()))
        .env_remove("SHOPFRONT_STORE")
        .env_remove("SHOPFRONT_DATA_DIR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    database
}

/// Copies the console shop's folder (tests/fixtures) into `into`.
pub fn copy_legacy_fixture(into: &Path) -> PathBuf {
    let target = into.join("legacy");
    fs::create_dir_all(&target).expect("mkdir");
    for entry in fs::read_dir(legacy_fixture()).expect("legacy fixture in tests/fixtures") {
        let entry = entry.expect("entry");
        fs::copy(entry.path(), target.join(entry.file_name())).expect("copy");
    }
    target
}

/// Every entry of a folder but `.lock` (whose counters change with every
/// commit), by name: a file as its bytes, anything else as its type.
pub fn folder_snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut entries: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("read folder")
        .map(|entry| entry.expect("entry"))
        .filter(|entry| entry.file_name() != ".lock")
        .map(|entry| {
            let meta = fs::symlink_metadata(entry.path()).expect("stat");
            let content = if meta.is_file() {
                fs::read(entry.path()).expect("read")
            } else {
                format!("{:?}", meta.file_type()).into_bytes()
            };
            (entry.file_name().to_string_lossy().into_owned(), content)
        })
        .collect();
    entries.sort();
    entries
}

/// The quote of cart lines the shopper saw, with the default settings of a
/// new data folder ($5.00 shipping, free from $50.00, no tax).
pub fn quoted(lines: &[shopfront::domain::CartLine]) -> shopfront::domain::Quote {
    let settings = shopfront::domain::Settings::default();
    shopfront::domain::quote(lines, &shopfront::domain::Pricing::new(&settings, None)).expect("a quotable cart")
}

/// The card every test pays with unless it says otherwise (approved).
pub const TEST_CARD: &str = "4242 4242 4242 4242";

/// A typed card (approved unless `number` is one of the decline numbers).
pub fn card(number: &str) -> shopfront::domain::payment::CardInput {
    shopfront::domain::payment::CardInput {
        name: "Ada Lovelace".into(),
        number: number.into(),
        expiry: "12/39".into(),
        cvc: if number.starts_with("37") { "1234".into() } else { "123".into() },
    }
}

pub fn test_address() -> shopfront::domain::Address {
    shopfront::domain::Address::from_fields(["Ada Lovelace", "12 Main St", "", "London", "", "NW1 2AB", "UK", ""])
        .expect("a valid address")
}

/// Checking out the quote `seen` to the test address with the test card.
pub fn paying(seen: shopfront::domain::Quote) -> shopfront::domain::checkout::CheckoutRequest {
    shopfront::domain::checkout::CheckoutRequest {
        seen,
        code: None,
        address: test_address(),
        payment: shopfront::domain::checkout::PaymentChoice::NewCard { card: card(TEST_CARD), remember: false },
        // No key: every call is a checkout of its own.
        key: String::new(),
    }
}

pub fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap_or_default()
}

pub fn stock_of(store: &Store, id: &str) -> u32 {
    store.data().products.get(id).map(|p| p.stock).expect("product exists")
}

/// An app (a session) on the shop kept by `store`.
pub fn app_on(mut store: Store, width: u16, height: u16) -> shopfront::app::App {
    // As `shopfront` runs it: the session's worker does the waiting.
    store.set_lock_wait(shopfront::store::LockWait::Impatient);
    let receipts = store.dir().join(shopfront::receipts::RECEIPTS_DIR);
    let shop = shopfront::shop::ShopService::over_folder(store);
    let mut app = shopfront::app::App::new(shop, ratatui::layout::Rect::new(0, 0, width, height));
    // As a local terminal runs it: receipts beside the data.
    app.write_receipts_to(receipts);
    app.set_clock(fixed_clock);
    app
}

/// Sends keys to the app the way the terminal loop does: through the keymap.
/// `press` then waits until the app has every answer to what the key asked
/// (`App::settle`), as a person waits for the screen; `press_now` does not.
#[allow(dead_code)]
pub mod ssh_shopper;
#[allow(dead_code)]
pub mod tmux;

pub mod keys {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use shopfront::app::{App, keymap};

    pub fn press(app: &mut App, code: KeyCode) {
        press_with(app, code, KeyModifiers::NONE);
    }

    pub fn press_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
        press_now_with(app, code, modifiers);
        app.settle();
    }

    pub fn press_now(app: &mut App, code: KeyCode) {
        press_now_with(app, code, KeyModifiers::NONE);
    }

    pub fn press_now_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
        let key = KeyEvent::new(code, modifiers);
        if let Some(action) = keymap::resolve(&app.contexts(), &key) {
            app.update(action);
        }
    }

    /// Logs in through the form, as a person does.
    pub fn log_in(app: &mut App, username: &str, password: &str) {
        type_text(app, username);
        press(app, KeyCode::Tab);
        type_text(app, password);
        press(app, KeyCode::Enter);
    }

    pub fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            press(app, KeyCode::Char(c));
        }
    }

    /// Fills the open form's fields in order (Tab between them), replacing
    /// what they held, and saves it with Ctrl-S.
    pub fn fill_form(app: &mut App, values: &[&str]) {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                press(app, KeyCode::Tab);
            }
            press_with(app, KeyCode::End, KeyModifiers::NONE);
            press_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
            type_text(app, value);
        }
        press_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    }

    pub const ADDRESS: [&str; 8] = ["Ada Lovelace", "12 Main St", "", "London", "", "NW1 2AB", "UK", ""];

    /// From the cart to the review, as a shopper does: `p`, the first saved
    /// address or a new one, then the card `number`.
    pub fn to_review(app: &mut App, number: &str) {
        use shopfront::app::{CheckoutStep, FieldsPurpose, Form, Screen};
        press(app, KeyCode::Char('p'));
        for _ in 0..6 {
            match (&app.form, app.screen, app.checkout.step) {
                (Some(Form::Fields(form)), _, _) if form.purpose == FieldsPurpose::Address => fill_form(app, &ADDRESS),
                (Some(Form::Fields(form)), _, _) if form.purpose == FieldsPurpose::Card => {
                    // A kept name and expiry open the form on the number: start from the name.
                    for _ in 0..form.focus {
                        press(app, KeyCode::Up);
                    }
                    let card = super::card(number);
                    fill_form(app, &[&card.name, &card.number, &card.expiry, &card.cvc]);
                }
                (None, Screen::Checkout, CheckoutStep::Address) => press(app, KeyCode::Enter),
                (None, Screen::Checkout, CheckoutStep::Payment) => press(app, KeyCode::Char('n')),
                _ => return,
            }
        }
    }

    /// The whole checkout with the test card: the order is placed and paid.
    pub fn check_out(app: &mut App) {
        to_review(app, super::TEST_CARD);
        press(app, KeyCode::Char('y'));
    }
}

/// A shop on a fresh folder with the demo catalog and an account `alice`
/// (password `s3cret!`), logged in, at `width`×`height`.
pub fn logged_in_shop(width: u16, height: u16) -> (tempfile::TempDir, shopfront::app::App) {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").expect("register");
    let mut app = app_on(store, width, height);
    keys::log_in(&mut app, "alice", "s3cret!");
    assert!(app.session.is_some(), "logged in: {:?}", app.login.error);
    (dir, app)
}

/// A shop with an admin `boss` (password `b0ss-pass`) logged in and a
/// customer `alice` who has placed one order, at `width`×`height`.
pub fn admin_shop_at(width: u16, height: u16) -> (tempfile::TempDir, shopfront::app::App) {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").expect("register");
    store.add_admin("boss", "b0ss-pass").expect("admin");
    let cart = store.add_to_cart("alice", "P1001", 2).expect("add");
    store.checkout("alice", &paying(quoted(&cart.items))).expect("checkout");
    let mut app = app_on(store, width, height);
    keys::log_in(&mut app, "boss", "b0ss-pass");
    assert!(app.is_admin());
    (dir, app)
}

/// Runs this test binary again as a worker process: only its
/// `worker_entry` test, with `env` set (the worker reads what to do there).
pub fn spawn_test_worker(env: &[(&str, String)]) -> std::process::Child {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["worker_entry", "--exact", "--nocapture", "--test-threads=1", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("spawn a worker")
}
