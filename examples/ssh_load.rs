//! A load run of scripted SSH shoppers against `shopfront serve`:
//!
//! ```sh
//! cargo build --release
//! cargo run --release --example ssh_load -- [SHOPPERS=200] [STOCK=50] [DATA_DIR]
//! ```
//!
//! Starts `target/release/shopfront serve` on a free port (on DATA_DIR, or a
//! fresh folder with the demo catalog), connects every shopper at once,
//! and has each sign up, type a filter, open a product, add it and check
//! out, all racing for STOCK units of one lamp. Reports sessions held,
//! orders placed against the stock, keystroke-to-screen latency p50/p99
//! (from sending a key to the screen showing what it causes), the
//! server's memory (baseline, with every session held, per added session,
//! peak) and its CPU time.

#[path = "../tests/common/ssh_shopper.rs"]
#[allow(dead_code)]
mod ssh_shopper;

use std::sync::Arc;
use std::time::{Duration, Instant};

use ssh_shopper::{ServeProcess, Shopper};
use tokio::sync::Barrier;

/// `VmRSS` or `VmHWM` of a process, in MiB.
fn memory_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// User + system CPU seconds a process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of /proc/PID/stat (11, 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One shopper's run: connect, hold, sign up, shop. Returns whether the
/// order was placed and the keystroke latencies of the shopping part.
async fn shop(port: u16, name: String, held: Arc<Barrier>) -> Result<(bool, Vec<Duration>), String> {
    let mut shopper = Shopper::connect(port, 100, 30).await?;
    shopper.wait_for("Log in").await?;
    // Every session is open before anyone starts.
    held.wait().await;
    shopper.send(b"\x0e").await?;
    shopper.wait_for("Create account").await?;
    shopper.send(format!("{name}\tpass-{name}\tpass-{name}\r").as_bytes()).await?;
    shopper.wait_for("Account created").await?;
    shopper.latencies.clear();
    for (key, shows) in [("/", "Filter (typing)"), ("l", "│l"), ("a", "│la"), ("m", "│lam"), ("p", "│lamp")] {
        shopper.send(key.as_bytes()).await?;
        shopper.wait_for(shows).await?;
    }
    shopper.send(b"\r").await?;
    shopper.wait_for("to cart").await.ok();
    shopper.send(b"\r").await?;
    shopper.wait_for("In cart").await.or(Ok::<(), String>(()))?;
    let placed = {
        shopper.send(b"\x1b").await?;
        shopper.wait_for("Products").await?;
        shopper.send(b"a").await?;
        let added = shopper.wait_for_any(&["Added 1", "out of stock", "Out of stock"], Duration::from_secs(60)).await?;
        if added == 0 {
            shopper.send(b"c").await?;
            shopper.wait_for("checks out").await?;
            shopper.send(b"p").await?;
            shopper.wait_for("Shipping address").await?;
            shopper.send(b"Ada Lovelace\t12 Main St\t\tLondon\t\tNW1 2AB\tUK\t\x13").await?;
            shopper.wait_for("Pay by card").await?;
            shopper.send(b"\t4242 4242 4242 4242\t12/39\t123\x13").await?;
            shopper.wait_for("places and pays").await?;
            shopper.send(b"y").await?;
            let outcome = shopper
                .wait_for_any(&["placed and paid", "Your order was not placed"], Duration::from_secs(60))
                .await?;
            outcome == 0
        } else {
            false
        }
    };
    Ok((placed, shopper.latencies.clone()))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let shoppers: usize = args.next().map_or(200, |n| n.parse().expect("a number of shoppers"));
    let stock: u32 = args.next().map_or(50, |n| n.parse().expect("a stock"));
    let fresh = tempfile::tempdir().expect("a temp folder");
    let data = args.next().map_or_else(|| fresh.path().join("shop"), std::path::PathBuf::from);
    std::fs::create_dir_all(&data).expect("the data folder");
    let products = format!(
        "[\n{{\"product_id\":\"P1\",\"name\":\"Desk Lamp\",\"price\":20.0,\"stock\":{stock},\"category\":\"Lighting\"}}\n]\n"
    );
    std::fs::write(data.join("products.json"), products).expect("products.json");
    let binary = std::env::var("SHOPFRONT_BIN").unwrap_or_else(|_| "target/release/shopfront".into());
    let max_sessions = (shoppers + 10).to_string();
    let mut server = ServeProcess::start(&binary, &data, &["--max-sessions", &max_sessions]);
    let (pid, port) = (server.pid(), server.port);
    std::thread::sleep(Duration::from_millis(300));
    let baseline = memory_mib(pid, "VmRSS:");
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let held = Arc::new(Barrier::new(shoppers + 1));
    let (results, held_mib) = runtime.block_on(async {
        let tasks: Vec<_> =
            (0..shoppers).map(|i| tokio::spawn(shop(port, format!("load{i:04}"), Arc::clone(&held)))).collect();
        held.wait().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let held_mib = memory_mib(pid, "VmRSS:");
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap_or_else(|e| Err(format!("panicked: {e}"))));
        }
        (results, held_mib)
    });
    let elapsed = started.elapsed();
    let peak = memory_mib(pid, "VmHWM:");
    let cpu = cpu_seconds(pid) - cpu_before;
    server.stop();

    let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let placed = results.iter().filter(|r| matches!(r, Ok((true, _)))).count();
    let mut latencies: Vec<Duration> =
        results.iter().filter_map(|r| r.as_ref().ok()).flat_map(|(_, l)| l.clone()).collect();
    latencies.sort();
    let orders = std::fs::read_to_string(data.join("orders.json")).unwrap_or_default().matches("\"order_id\"").count();
    println!("shoppers            {shoppers} (all connected and held at once: {})", failed.is_empty());
    println!("sessions failed     {}", failed.len());
    for failure in failed.iter().take(3) {
        println!("  e.g. {}", failure.lines().next().unwrap_or(""));
    }
    println!(
        "orders placed       {placed} (orders.json: {orders}); stock was {stock}; oversold: {}",
        orders > stock as usize
    );
    println!(
        "keystroke → screen  p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} keys)",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        latencies.len()
    );
    println!(
        "server memory       {baseline:.1} MiB alone, {held_mib:.1} MiB with {shoppers} sessions held \
         ({:.2} MiB per added session), peak {peak:.1} MiB",
        (held_mib - baseline) / shoppers.max(1) as f64
    );
    println!("server CPU          {cpu:.1} s over {:.1} s", elapsed.as_secs_f64());
}
