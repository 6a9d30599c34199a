//! The whole shopper journey against the built binary in a real terminal:
//! tmux on its own socket, keys sent with send-keys, the screen read with
//! capture-pane.

mod common;

use common::StoreRules;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{read, temp_dir, write_products};

#[test]
fn shopper_journey_survives_a_restart() {
    let dir = temp_dir();
    std::fs::write(
        dir.path().join("discounts.json"),
        r#"[{"code": "TEN10", "kind": "percent", "value": 10, "max_uses_per_user": 1}]"#,
    )
    .unwrap();
    let socket = format!("shopfront-e2e-{}", std::process::id());
    {
        let t = Tmux::start(&format!("{socket}-first"), dir.path());
        t.wait_for("Log in");
        t.sign_up("erin", "erin-pass");
        t.wait_for("Account created — welcome, erin");

        // Shortcut letters typed into the filter are text, not commands.
        t.keys(&["/"]);
        t.type_text("qco?");
        t.wait_for("│qco?");
        t.wait_for("Products — 0 of 44");
        t.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
        t.type_text("usb cab");
        cable_in_cart_with_ten10(&t);
        // A declined card keeps the shopper on Payment; another one pays.
        t.to_review("4000 0000 0000 0002");
        t.keys(&["y"]);
        t.wait_for("✗ Your card was declined");
        assert!(!std::fs::read_to_string(dir.path().join("orders.json")).unwrap_or_default().contains("O0001"));
        // The card form is open again, on its number.
        t.wait_for("Pay by card");
        t.fill_form(&["4242 4242 4242 4242", "12/39", "123"]);
        t.wait_for("places and pays");
        t.keys(&["y"]);
        // $9.99 − $1.00 + $5.00 shipping, no tax.
        let screen = t.wait_for("Order O0001 placed and paid — $13.99");
        assert!(screen.contains("Paid with Visa •••• 4242"), "{screen}");
        t.keys(&["r"]);
        t.wait_for("Receipt for order O0001");
        t.keys(&["w"]);
        t.wait_for("Receipt written to");
        t.keys(&["Escape"]);
        // Closed before the next key: an Escape read together with it is Alt and that key.
        t.wait_until("the receipt closed", |screen| !screen.contains("Receipt for order O0001"));
        let receipt = std::fs::read_to_string(dir.path().join("receipts/O0001.txt")).unwrap();
        for line in ["Discount (TEN10):               -$1.00", "Total:                          $13.99"] {
            assert!(receipt.lines().any(|l| l == line), "{line:?} in\n{receipt}");
        }
        let files: String = ["orders.json", "users.json", "carts.json"]
            .iter()
            .map(|f| std::fs::read_to_string(dir.path().join(f)).unwrap_or_default())
            .collect();
        assert!(!files.contains("4242424242424242") && !files.contains("4242 4242 4242 4242"));
        t.keys(&["o"]);
        t.wait_for("O0001");
        t.wait_for("$13.99 paid");
        t.keys(&["q"]);
        t.wait_for("EXITED=0");
    }
    {
        // A fresh tmux server: the first one may still be shutting down.
        let t = Tmux::start(&format!("{socket}-second"), dir.path());
        t.wait_for("Log in");
        t.log_in("erin", "erin-pass");
        t.wait_for("Welcome back, erin");
        t.keys(&["o"]);
        t.wait_for("$13.99 paid");
        t.keys(&["c"]);
        t.wait_for("Your cart is empty");
        t.keys(&["C-c"]);
        t.wait_for("EXITED=0");
    }
}

#[test]
fn refuses_to_run_without_a_terminal_and_on_a_damaged_folder() {
    let dir = temp_dir();
    let out = Command::new(env!("CARGO_BIN_EXE_shopfront")).arg("--data-dir").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a terminal"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing created or seeded without a terminal");
    let missing = dir.path().join("new-shop");
    let out = Command::new(env!("CARGO_BIN_EXE_shopfront")).arg("--data-dir").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists(), "no data folder created without a terminal");

    std::fs::write(dir.path().join("orders.json"), "[1,").unwrap();
    let socket = format!("shopfront-e2e-bad-{}", std::process::id());
    let t = Tmux::start(&socket, dir.path());
    let screen = t.wait_for("EXITED=1");
    assert!(
        screen.contains("error: orders.json:1:2: invalid type: integer `1`, expected one of the orders as an object"),
        "{screen}"
    );
}

/// Beside a catalog, a damaged orders.json does not keep the catalog from
/// showing (orders are read after it): the first request that needs the
/// shop's data says what is wrong, and nothing is modified.
#[test]
fn a_damaged_orders_file_beside_a_catalog_is_shown_by_the_first_request() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    std::fs::write(dir.path().join("orders.json"), "[1,").unwrap();
    let files = |dir: &std::path::Path| ["products.json", "orders.json"].map(|name| read(dir, name));
    let before = files(dir.path());
    let socket = format!("shopfront-e2e-bad-orders-{}", std::process::id());
    let t = Tmux::start(&socket, dir.path());
    t.wait_for("Username");
    t.log_in("alice", "s3cret!!");
    let screen = t.wait_for("orders.json:1:2");
    assert!(screen.contains("orders.json:1:2: invalid type: integer `1`"), "{screen}");
    t.keys(&["C-c"]);
    t.wait_for("EXITED=0");
    assert_eq!(files(dir.path()), before, "the folder's data was modified");
}

#[test]
fn admin_and_shopper_in_two_copies_on_one_folder() {
    use std::io::Write;
    let dir = temp_dir();
    let mut add = Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .args(["admin", "add", "boss", "--password-stdin", "--data-dir"])
        .arg(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    add.stdin.take().unwrap().write_all(b"b0ss-pass\n").unwrap();
    assert!(add.wait().unwrap().success());

    let id = std::process::id();
    let shopper = Tmux::start(&format!("shopfront-e2e-shopper-{id}"), dir.path());
    shopper.wait_for("Log in");
    shopper.sign_up("sam", "sam-pass");
    shopper.wait_for("Products — 44 of 44");

    let admin = Tmux::start(&format!("shopfront-e2e-admin-{id}"), dir.path());
    admin.wait_for("Log in");
    admin.log_in("boss", "b0ss-pass");
    admin.wait_for("boss · 0 items");
    admin.keys(&["4", "n"]);
    admin.wait_for("New product");
    admin.fill_form(&["Solar Lantern", "12.50", "4", "Outdoor", "A folding solar lantern for camping."]);
    admin.wait_for("Created P1045 Solar Lantern");

    // The shopper's copy, already running, finds it and buys it.
    shopper.keys(&["/"]);
    shopper.type_text("lantern");
    shopper.wait_for("▶ Solar Lantern");
    shopper.wait_for("Products — 1 of 45");
    shopper.keys(&["Enter", "a"]);
    shopper.wait_for("Added 1 × Solar Lantern");
    shopper.keys(&["c"]);
    shopper.to_review("4242 4242 4242 4242");
    shopper.keys(&["y"]);
    shopper.wait_for("Order O0001 placed and paid — $17.50");
    shopper.keys(&["o"]);
    shopper.wait_for("│▶ O0001");

    // The admin ships it.
    admin.keys(&["5"]);
    admin.wait_for("O0001");
    admin.keys(&["m"]);
    admin.wait_for("Ship order O0001");
    admin.type_text("1Z999AA10123456784");
    admin.keys(&["Enter"]);
    admin.wait_for("Order O0001 is now shipped");

    // The shopper's Orders tab shows it within a couple of seconds, untouched.
    let started = Instant::now();
    shopper.wait_for("shipped");
    assert!(started.elapsed() < Duration::from_secs(5), "seen after {:?}", started.elapsed());

    // The admin archives the lantern; the shopper can no longer find it.
    admin.keys(&["4", "/"]);
    admin.type_text("solar");
    admin.keys(&["Enter"]);
    admin.wait_for("▶ P1045");
    admin.keys(&["A"]);
    admin.wait_for("Archived P1045 Solar Lantern: no longer sold");
    shopper.keys(&["1", "/", "C-u"]);
    shopper.wait_until("the cleared filter", |s| s.contains("44 of 44") && !s.contains("No products match"));
    shopper.type_text("lantern");
    let screen = shopper.wait_for("No products match “lantern”");
    assert!(screen.contains("Products — 0 of 44"), "{screen}");
    shopper.keys(&["C-c"]);
    admin.keys(&["C-c"]);
    shopper.wait_for("EXITED=0");
    admin.wait_for("EXITED=0");
}

/// Whether this machine lets us mount a folder read-only in a mount
/// namespace of our own (root, or unprivileged user namespaces).
fn can_mount_read_only() -> bool {
    Command::new("unshare")
        .args(["-m", "sh", "-c", "mount --bind /tmp /tmp && mount -o remount,bind,ro /tmp"])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// A data folder remounted read-only (as after an I/O error) turned every
/// login into "✗ …/.lock: Read-only file system". Logging in and browsing
/// must work; a change is refused, saying why.
#[test]
fn a_read_only_data_folder_can_be_browsed_and_refuses_changes_clearly() {
    if !can_mount_read_only() {
        eprintln!("skipped: cannot mount a folder read-only here (needs unshare -m and mount)");
        return;
    }
    let dir = temp_dir();
    let data = dir.path().join("shop");
    let mut store = common::open(&data);
    store.register("alice", "s3cret!").unwrap();
    drop(store);
    let before = common::folder_snapshot(&data);
    let binary = env!("CARGO_BIN_EXE_shopfront");
    let read_only = |command: &str| {
        format!(
            "unshare -m sh -c \"mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}' && {command}\"",
            d = data.display()
        )
    };
    // The command line: a change is refused with the reason, nothing written.
    let out = Command::new("sh")
        .args(["-c", &read_only(&format!("'{binary}' --data-dir '{}' admin settings --shipping 7", data.display()))])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Changes are not saved: the data folder is read-only (read-only file system at"),
        "{stderr}"
    );

    let socket = format!("shopfront-e2e-ro-{}", std::process::id());
    let command = read_only(&format!("exec '{binary}' --data-dir '{}'", data.display()));
    let t = Tmux::run_command(&socket, &format!("{command}; echo EXITED=$?; sleep 60"), 100, 30);
    t.wait_for("Log in");
    t.log_in("alice", "s3cret!");
    t.wait_for("Welcome back, alice");
    t.keys(&["/"]);
    t.type_text("usb cab");
    t.wait_for("Products — 2 of 44");
    t.keys(&["Enter", "a"]);
    t.wait_for("Changes are not saved: the data folder is read-only");
    t.keys(&["Escape"]);
    // Esc and q sent together read as Alt-q, as in any terminal.
    std::thread::sleep(Duration::from_millis(100));
    t.keys(&["q"]);
    t.wait_for("EXITED=0");
    assert_eq!(common::folder_snapshot(&data), before, "nothing in the folder changed");
}

/// Issue 18: the whole journey with `--store sqlite:…` — sign up, filter,
/// add, a promo code, checkout, the receipt written beside the database,
/// cancel — asserted on the screen and then on what the database holds.
#[test]
fn shopper_journey_on_a_sqlite_store() {
    use shopfront::domain::payment::Brand;
    use shopfront::domain::{Money, OrderStatus};
    use shopfront::repo::Repo;

    let dir = temp_dir();
    let database = common::demo_shop_in_sqlite(dir.path());
    let cable = {
        let repo = shopfront::repo::sqlite::SqliteRepo::open(&database).unwrap();
        let read = repo.read().unwrap();
        let mut found = Vec::new();
        read.each_product(&mut |p| {
            if p.name == "USB-C Cable" {
                found.push(p.clone());
            }
        })
        .unwrap();
        assert_eq!(found.len(), 1, "the demo catalog has one USB-C Cable");
        found.remove(0)
    };
    assert_eq!(cable.price, Money::from_cents(999));

    let socket = format!("shopfront-e2e-sqlite-{}", std::process::id());
    let t = Tmux::start_on(&socket, &format!("sqlite:{}", database.display()));
    t.wait_for("Log in");
    t.sign_up("erin", "erin-pass");
    t.wait_for("Account created — welcome, erin");

    t.keys(&["/"]);
    t.type_text("usb cab");
    cable_in_cart_with_ten10(&t);
    t.to_review("4242 4242 4242 4242");
    t.keys(&["y"]);
    // $9.99 − $1.00 + $5.00 shipping, no tax.
    let screen = t.wait_for("Order O0001 placed and paid — $13.99");
    assert!(screen.contains("Paid with Visa •••• 4242"), "{screen}");

    // The receipt, written beside the database.
    t.keys(&["r"]);
    t.wait_for("Receipt for order O0001");
    t.keys(&["w"]);
    let receipts = dir.path().join("store/receipts");
    let screen = t.wait_for("Receipt written to");
    assert!(screen.contains("O0001.txt"), "{screen}");
    t.keys(&["Escape"]);
    // Closed before the next key: an Escape read together with it is Alt and that key.
    t.wait_until("the receipt closed", |screen| !screen.contains("Receipt for order O0001"));
    let receipt = std::fs::read_to_string(receipts.join("O0001.txt")).unwrap();
    for line in [
        "Customer: erin",
        "1 × USB-C Cable @ $9.99 = $9.99",
        "Discount (TEN10):               -$1.00",
        "Total:                          $13.99",
    ] {
        assert!(receipt.lines().any(|l| l.contains(line)), "{line:?} in\n{receipt}");
    }

    // Cancelled from the orders list: refunded to the card.
    t.keys(&["o"]);
    t.wait_for("$13.99 paid");
    t.keys(&["x"]);
    t.wait_for("Cancel order O0001");
    t.keys(&["y"]);
    t.wait_for("Order O0001: Cancelled — $13.99 refunded to Visa •••• 4242");
    t.wait_for("cancelled");
    t.keys(&["q"]);
    t.wait_for("EXITED=0");

    // What the database holds afterwards.
    let repo = shopfront::repo::sqlite::SqliteRepo::open(&database).unwrap();
    let read = repo.read().unwrap();
    let erin = read.account("erin").unwrap().expect("erin's account is stored");
    assert!(erin.password_hash.as_deref().is_some_and(|h| h.starts_with("$argon2id$")), "a hash, not the password");
    assert_eq!(erin.password, None);
    let orders = read.orders_of("erin").unwrap();
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(order.order_id, "O0001");
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(order.items.len(), 1);
    assert_eq!(
        (order.items[0].product_id.as_str(), order.items[0].qty, order.items[0].unit_price),
        (cable.product_id.as_str(), 1, Money::from_cents(999))
    );
    assert_eq!(order.items[0].name.as_deref(), Some("USB-C Cable"));
    assert_eq!(order.discount_code.as_deref(), Some("TEN10"));
    assert_eq!(
        (order.subtotal, order.discount, order.shipping, order.tax, order.total),
        (
            Some(Money::from_cents(999)),
            Money::from_cents(100),
            Money::from_cents(500),
            Money::ZERO,
            Money::from_cents(1399)
        )
    );
    let events: Vec<(OrderStatus, &str, Option<Money>)> =
        order.events.iter().map(|e| (e.status, e.by.as_str(), e.refunded)).collect();
    assert_eq!(
        events,
        [
            (OrderStatus::Placed, "erin", None),
            (OrderStatus::Paid, "payment", None),
            (OrderStatus::Cancelled, "erin", Some(Money::from_cents(1399)))
        ]
    );
    let address = order.address.as_deref().expect("the address is kept on the order");
    assert_eq!((address.full_name.as_str(), address.city.as_str()), ("Ada Lovelace", "London"));
    assert_eq!(address.postal_code, "NW1 2AB");
    let payment = order.payment.as_deref().expect("the payment is kept on the order");
    assert_eq!((payment.brand, payment.last4.as_str()), (Brand::Visa, "4242"));
    let refund = payment.refund.as_ref().expect("the refund is recorded");
    assert_eq!((refund.amount, refund.by.as_str()), (Money::from_cents(1399), "erin"));
    assert!(refund.reference.starts_with(&payment.reference), "{refund:?}");
    // The address book, the stock back, the cart emptied, the code's use given back.
    assert_eq!(erin.addresses.len(), 1, "the typed address is saved");
    assert!(erin.cards.is_empty(), "the card was not to be remembered");
    assert_eq!(read.product(&cable.product_id).unwrap().unwrap().stock, cable.stock, "the unit went back");
    assert!(read.cart("erin").unwrap().is_none_or(|c| c.items.is_empty()));
    assert_eq!(read.code_uses("TEN10", "erin").unwrap().total, 0, "a cancelled order uses no code");
    assert_eq!(read.orders_carrying("TEN10").unwrap(), 1);
    drop(read);
    drop(repo);
    // Never the card number, in the database or beside it.
    for entry in std::fs::read_dir(dir.path().join("store")).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            for number in [&b"4242424242424242"[..], b"4242 4242 4242 4242"] {
                assert!(!bytes.windows(number.len()).any(|w| w == number), "a card number in {}", path.display());
            }
        }
    }
}

/// With "usb cab" typed into the catalog's filter: the USB-C Cable added,
/// the cart opened, a wrong promo code refused and TEN10 applied.
fn cable_in_cart_with_ten10(t: &Tmux) {
    t.wait_for("Products — 2 of 44");
    t.wait_for("▶ USB-C Cable");
    t.keys(&["Enter", "a"]);
    t.wait_for("Added 1 × USB-C Cable to your cart");
    t.wait_for("erin · 1 item · $9.99");

    t.keys(&["c"]);
    t.wait_for("Cart — 1 item");
    // A promo code: a wrong one says so, the right one shows its discount.
    t.keys(&["%"]);
    t.wait_for("Promo code");
    t.type_text("nope");
    t.keys(&["Enter"]);
    t.wait_for("There is no code \"NOPE\"");
    t.keys(&["C-u"]);
    t.type_text("ten10");
    t.keys(&["Enter"]);
    t.wait_for("Code TEN10 applied: 10 % off");
    t.wait_for("Discount (TEN10)         −$1.00");
}
