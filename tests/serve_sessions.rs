//! Many scripted SSH shoppers at once against the built server: every
//! account kept, no unit sold twice, no session lost.

mod common;

use common::ssh_shopper::{ServeProcess, Shopper, rss_kib};

#[test]
fn twenty_shoppers_at_once_buy_exactly_the_stock_while_others_stall() {
    let dir = common::temp_dir();
    let data = dir.path().join("shop");
    std::fs::create_dir_all(&data).unwrap();
    const STOCK: u32 = 7;
    const SHOPPERS: usize = 20;
    common::write_products(&data, &[("P1", "Desk Lamp", "20.00", STOCK)]);
    let mut server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &[]);
    let port = server.port;

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let data_dir = data.clone();
    let results: Vec<Result<bool, String>> = runtime.block_on(async {
        let data = data_dir;
        // Three clients that stop reading, on big screens: the others must not notice.
        let mut stalled = Vec::new();
        // Each client from its own loopback address, as people are: one
        // address holds at most 16 sessions.
        for i in 0..3 {
            stalled
                .push(Shopper::stalled(port, &format!("127.0.1.{}", i + 1)).await.expect("a stalled client connects"));
        }
        let tasks: Vec<_> = (0..SHOPPERS)
            .map(|i| {
                tokio::spawn(async move {
                    let from = format!("127.0.0.{}", i + 2);
                    let mut shopper = Shopper::connect_from(port, &from, "xterm-256color", 80, 24).await?;
                    shopper.sign_up_and_buy(&format!("buyer{i:02}")).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap_or_else(|e| Err(format!("panicked: {e}"))));
        }
        // Now make the stalled sessions redraw a full screen, again and again:
        // every price changes with the currency. Their frames are dropped,
        // not queued.
        let before = rss_kib(server.pid());
        for round in 0..40 {
            let symbol = if round % 2 == 0 { "EUR " } else { "$" };
            std::fs::write(data.join("settings.json"), format!(r#"{{"currency": "{symbol}"}}"#)).unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        let after = rss_kib(server.pid());
        assert!(after < before + 16 * 1024, "server memory grew from {before} KiB to {after} KiB");
        drop(stalled);
        results
    });
    let status = server.stop();
    assert!(status.success(), "the server exits 0 on SIGTERM: {status:?}");

    let errors: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(errors.is_empty(), "{} sessions failed: {:#?}", errors.len(), errors);
    let placed = results.iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(placed, STOCK as usize, "orders placed = stock available");
    let orders = std::fs::read_to_string(data.join("orders.json")).unwrap();
    assert_eq!(orders.matches("\"order_id\"").count(), STOCK as usize);
    let users = std::fs::read_to_string(data.join("users.json")).unwrap();
    for i in 0..SHOPPERS {
        assert!(users.contains(&format!("\"username\":\"buyer{i:02}\"")), "account buyer{i:02} lost");
    }
    let products = std::fs::read_to_string(data.join("products.json")).unwrap();
    assert!(products.contains("\"stock\":0"), "{products}");
}
