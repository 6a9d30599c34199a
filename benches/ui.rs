//! Filter and drawing benchmarks: `cargo bench --bench ui`.

#[path = "support/big_folder.rs"]
mod big_folder;
#[path = "../tests/common/store_rules.rs"]
#[allow(dead_code)]
mod store_rules;
#[path = "support/typists.rs"]
mod typists;
use store_rules::StoreRules;

use std::sync::OnceLock;

use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use shopfront::app::filter::CatalogFilter;
use shopfront::app::{Action, App};
use shopfront::domain::{Money, Product};
use shopfront::shop::ShopService;
use shopfront::store::Store;
use shopfront::ui::{self, Theme};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

fn products(n: usize) -> Vec<Product> {
    (0..n)
        .map(|i| Product {
            product_id: format!("P{}", 100_000 + i),
            name: big_folder::product_name(i),
            price: Money::from_cents(999),
            stock: 5,
            description: None,
            category: Some(["Cables", "Audio", "Desk", "Storage"][i % 4].to_string()),
            active: true,
            changed: None,
            extra: Default::default(),
        })
        .collect()
}

fn catalog(n: usize) -> &'static [Product] {
    static SMALL: OnceLock<Vec<Product>> = OnceLock::new();
    static LARGE: OnceLock<Vec<Product>> = OnceLock::new();
    if n <= 100_000 { SMALL.get_or_init(|| products(100_000)) } else { LARGE.get_or_init(|| products(1_000_000)) }
}

/// A filter over every product, as a session builds it from the shared snapshot.
fn filter_of(products: &[Product]) -> CatalogFilter {
    let catalog = shopfront::shop::Catalog::build(products, None);
    CatalogFilter::new(
        std::sync::Arc::clone(catalog.search_text()),
        std::sync::Arc::clone(&catalog.search_text().every),
    )
}

/// The first keystroke: every product is checked.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 20)]
fn first_keystroke(bencher: Bencher, n: usize) {
    let products = catalog(n);
    let mut filter = filter_of(products);
    bencher.bench_local(|| {
        filter.search("");
        filter.search("u").len()
    });
}

/// Each further keystroke of "usb cab" (only the previous matches are checked).
#[divan::bench(args = [100_000, 1_000_000], sample_count = 20)]
fn typing_usb_cab(bencher: Bencher, n: usize) {
    let products = catalog(n);
    let mut filter = filter_of(products);
    bencher.bench_local(|| {
        let mut found = 0;
        for end in 1..="usb cab".len() {
            found = filter.search(&"usb cab"[..end]).len();
        }
        filter.search("");
        found
    });
}

/// 100,000 products and 100,000 orders.
fn big_folder() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        big_folder::write_big_folder(dir.path(), 100_000, 100_000, 1_000).expect("generate");
        dir
    })
    .path()
}

/// 100,000 products and a young shop's 1,000 orders.
fn big_catalog_folder() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        big_folder::write_big_folder(dir.path(), 100_000, 1_000, 1_000).expect("generate");
        dir
    })
    .path()
}

/// Drawing the catalog (with preview) at 200×60.
#[divan::bench(sample_count = 50)]
fn draw_catalog_200x60(bencher: Bencher) {
    let mut app = logged_in_app(big_folder(), "bench", Rect::new(0, 0, 200, 60));
    app.update(Action::FocusFilter);
    for c in "pro".chars() {
        app.update(Action::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    bencher.bench_local(|| terminal.draw(|frame| ui::draw(frame, &app, &Theme::from_env())).map(|_| ()));
}

/// A keystroke in the catalog's filter, as the app handles it (the key
/// routed to the catalog, the filter run inline at 100k products, the
/// cursor fitted) and the frame drawn: typing "u" then deleting it.
#[divan::bench(sample_count = 50)]
fn filter_keystroke_in_the_app_100k(bencher: Bencher) {
    let mut app = logged_in_app(big_catalog_folder(), "typist", Rect::new(0, 0, 120, 40));
    app.set_filter_worker_from(usize::MAX);
    app.update(Action::FocusFilter);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    bencher.bench_local(|| {
        app.update(Action::Edit(tui_input::InputRequest::InsertChar('u')));
        terminal.draw(|frame| ui::draw(frame, &app, &Theme::from_env())).map(|_| ()).expect("draw");
        app.update(Action::Edit(tui_input::InputRequest::DeletePrevChar));
        terminal.draw(|frame| ui::draw(frame, &app, &Theme::from_env())).map(|_| ())
    });
}

/// From nothing to the first frame: open the store, build the app (filter
/// index) and draw; on 100k products with 1k orders, and with 100k orders.
#[divan::bench(args = ["100k products", "100k products + 100k orders"], sample_count = 10)]
fn first_frame(bencher: Bencher, folder: &str) {
    let dir = if folder.contains("orders") { big_folder() } else { big_catalog_folder() };
    bencher.bench_local(|| {
        let app = App::new(ShopService::over_folder(Store::open(dir).expect("open")), Rect::new(0, 0, 120, 40));
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        terminal.draw(|frame| ui::draw(frame, &app, &Theme::from_env())).map(|_| ())
    });
}

/// An app on the folder `dir`, logged in as `username` (made if new).
fn logged_in_app(dir: &std::path::Path, username: &str, viewport: Rect) -> App {
    let password = format!("{username}-pass");
    let mut store = Store::open(dir).expect("open");
    if store.login(username, &password).is_err() {
        store.register(username, &password).expect("register");
    }
    let mut app = App::new(ShopService::over_folder(store), viewport);
    log_in(&mut app, username, &password);
    app
}

/// Logs in through the form, as a person does, and waits for the answer.
fn log_in(app: &mut App, username: &str, password: &str) {
    for c in username.chars() {
        app.update(Action::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    app.update(Action::NextField);
    for c in password.chars() {
        app.update(Action::Edit(tui_input::InputRequest::InsertChar(c)));
    }
    app.update(Action::Submit);
    app.settle();
    assert!(app.session.is_some(), "logged in");
}

/// A child process holding the folder lock (as another copy mid-change).
struct LockHolder(std::process::Child);

impl Drop for LockHolder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Handling key presses on the UI thread while another process holds the
/// folder: move, add to cart (sent to the worker, which waits), switch tabs.
#[divan::bench(sample_count = 50)]
fn key_press_while_the_folder_is_busy(bencher: Bencher) {
    let dir = big_catalog_folder();
    let mut store = Store::open(dir).expect("open");
    if store.login("busy", "busy-pass").is_err() {
        store.register("busy", "busy-pass").expect("register");
    }
    store.set_lock_wait(shopfront::store::LockWait::Impatient);
    let mut app = App::new(ShopService::over_folder(store), Rect::new(0, 0, 120, 40));
    log_in(&mut app, "busy", "busy-pass");
    let _holder = LockHolder(
        std::process::Command::new("flock")
            .args(["-x", "-o"])
            .arg(dir.join(".lock"))
            .args(["sleep", "600"])
            .spawn()
            .expect("flock(1)"),
    );
    std::thread::sleep(std::time::Duration::from_millis(200));
    bencher.bench_local(|| {
        app.update(Action::Down);
        app.update(Action::AddToCart);
        app.update(Action::ShowTab(shopfront::app::Tab::Cart));
        app.update(Action::ShowTab(shopfront::app::Tab::Catalog));
        app.poll_results();
    });
}

/// 100 sessions typing queries at once on one 100k snapshot (their shared
/// answers included), 10 keys each in turn: the filter's cost per
/// keystroke as `serve` pays it at 100 typists (one iteration = 1,000 keys).
#[divan::bench(sample_count = 10)]
fn hundred_typists_1000_keys(bencher: Bencher) {
    let products = catalog(100_000);
    let catalog = shopfront::shop::Catalog::build(products, None);
    let mut rng = typists::Rng(0x5eed);
    let mut typists: Vec<(CatalogFilter, String, usize)> = (0..100)
        .map(|_| {
            let filter = CatalogFilter::new(
                std::sync::Arc::clone(catalog.search_text()),
                std::sync::Arc::clone(&catalog.search_text().on_sale),
            );
            (filter, typists::query(&mut rng, products.len()), 0)
        })
        .collect();
    bencher.bench_local(|| {
        let mut found = 0;
        for _ in 0..10 {
            for (filter, query, typed) in &mut typists {
                if *typed == query.len() {
                    *query = typists::query(&mut rng, products.len());
                    *typed = 0;
                }
                *typed += 1;
                found += filter.search(&query[..*typed]).len();
            }
        }
        found
    });
}
