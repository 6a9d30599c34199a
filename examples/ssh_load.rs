//! Load runs of scripted SSH shoppers against `shopfront serve`, on a
//! realistic catalog, compared with a per-process baseline.
//!
//! ```sh
//! cargo build --release --bin shopfront --examples
//! target/release/examples/ssh_load [OPTIONS]
//! ```
//!
//! Before anything, it writes a data folder (a temporary one unless
//! `--data DIR`): `--products N` products (default 100,000) with generated
//! names, categories and descriptions (`benches/support/big_folder.rs`), and
//! accounts `u0`, `u1`, … (password `password`) for the typists.
//!
//! **Typists** (the default mode). `--typists N[,N…]` sessions (default 10)
//! connect at once (a 100×30 pty, each from its own loopback address
//! 127.1.x.y, since `serve` counts its limits per address), log in, and
//! each then types filter
//! queries: `/` once, then queries of one to four words taken in order
//! from a random product's name (`wireless mouse`, `rugged power bank 12`),
//! one key per SSH write at one key per `--interval-ms` (default 100), the
//! filter cleared with Ctrl-U between queries, `--keys` keys each (default
//! 100; spaces and Ctrl-U are typed but not timed). A key's
//! keystroke-to-screen time runs from writing it until the filter field on
//! the client's screen (vt100) shows the text typed so far. A typist never
//! types ahead of its screen: a key that takes longer than the interval
//! delays the next one (so the figures are the same closed loop for both
//! servers).
//!
//! One run alternates two servers on the same folder, a fresh server for
//! each round: `shopfront serve` and the baseline, `examples/ssh_per_process`
//! (the same SSH crate, one `shopfront` process per connection in a pty, as
//! an owner would with sshd's ForceCommand). `--rounds R` (default 2) rounds
//! per typist count, the order swapped every round (serve first, then
//! baseline first, …). Prints, for each server, keystroke-to-screen p50, p99
//! and max over all its rounds (and per round), keys timed and failed, the
//! server's CPU time while typing (baseline: the server and its programs),
//! and the ratio serve / baseline.
//!
//! Options:
//! - `--products N`      catalog size (default 100000)
//! - `--typists N[,N…]`  sessions typing at once; several give several runs (default 10)
//! - `--keys N`          keys each typist types per round (default 100)
//! - `--interval-ms N`   time between a typist's keys (default 100)
//! - `--rounds R`        rounds per server (default 2)
//! - `--only serve|baseline`  run one server only
//! - `--data DIR`        write (and keep) the data folder there
//! - `--bin PATH`        the shopfront binary (default target/release/shopfront, or $SHOPFRONT_BIN)
//! - `--baseline-bin PATH`  the baseline server (default target/release/examples/ssh_per_process)
//! - `--idle N[,N…]`     hold N idle sessions instead (see Idle below)
//! - `--size WxH`        the idle sessions' terminal size (default 100x30)
//! - `--hold-secs S`     keep the idle sessions S seconds after measuring (and
//!   print the server's CPU time over them)
//! - `--race`, `--shoppers N`, `--stock N`, `--servers N`, `--store STORE`,
//!   `--connect HOST:PORT[,…]`  see Race below
//!
//! `SSH_LOAD_SERVER_LOG=PATH` writes `serve`'s log (its stderr) to PATH;
//! `SSH_LOAD_USR1=1` sends the server SIGUSR1 at each idle stage (for
//! `examples/serve_heap`, which then writes its live heap to that log).
//!
//! **Race** (`--race`, or the old positional form `ssh_load SHOPPERS STOCK
//! [DATA_DIR]`): `--shoppers N` (default 200) connect to `serve` at once,
//! sign up, filter, open a product, add it and check out, all racing for
//! `--stock N` (default 50) units of one "Zephyr Lamp" added to the
//! generated catalog. `--servers N` (default 1) runs N `serve` processes
//! on one store (sharing one host key), the shoppers spread over them;
//! `--store STORE` (`sqlite:PATH`, `postgres://…`, empty: a new file or
//! database) migrates the generated folder into it first and serves that.
//! `--connect HOST:PORT[,HOST:PORT…]` races on servers already running
//! (here or on other machines) instead, all on `--store` (which it needs:
//! it adds a lamp "Zephyr <tag>" there, and reads the orders back); their
//! per-address caps must make room for the shoppers, who come from one
//! address unless the servers are on this machine.
//! Reports sessions held, orders placed against the stock (as the screens
//! said, and as stored), keystroke-to-screen p50/p99 before confirming,
//! the checkout's answer time (from `y` to the screen saying placed or
//! not) and checkouts answered a second, and each server's memory (alone,
//! with its sessions held, per session, peak) and CPU time.
//!
//! **Idle** (`--idle N[,N…]`): for each N, a fresh `serve` on the catalog;
//! its memory is read once its start-up work is done (alone), then N
//! sessions connect (each from its own loopback address, `--size WxH`,
//! default 100x30) and wait at the login screen, then each logs in as
//! `u{i}` and waits at the catalog, sending nothing more. At each stage,
//! once every session is there and the server has settled, prints the
//! server's resident memory (VmRSS, and RssAnon), its threads, and per
//! session: (with N − alone) / N. `--hold-secs S` keeps the N logged-in
//! sessions S seconds more (to look at the server from outside), printing
//! its pid first, then the CPU time the server used over the hold (user +
//! system, from /proc/PID/stat) and what share of one core that is.

#[path = "../tests/common/ssh_shopper.rs"]
#[allow(dead_code)]
mod ssh_shopper;

#[path = "../benches/support/big_folder.rs"]
mod big_folder;
#[path = "../benches/support/typists.rs"]
mod typists;

use typists::{Rng, query};

use std::io::BufRead;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
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

/// The fields of /proc/PID/stat after the command name.
fn stat_fields(pid: u32) -> Vec<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().map(str::to_string).collect()
}

/// User + system CPU seconds a process has used.
fn cpu_seconds(pid: u32) -> f64 {
    let fields = stat_fields(pid);
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of /proc/PID/stat (11, 12 after the name).
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU seconds of a process and of its living children.
fn cpu_with_children(pid: u32) -> f64 {
    let children: f64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|&child| stat_fields(child).get(1).and_then(|p| p.parse::<u32>().ok()) == Some(pid))
        .map(cpu_seconds)
        .sum();
    cpu_seconds(pid) + children
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The text in the focused filter field, as the screen shows it.
fn filter_field(screen: &str) -> Option<String> {
    let mut lines = screen.lines();
    lines.find(|l| l.contains("Filter (typing)"))?;
    let line = lines.next()?;
    let inside = line.split_once('│')?.1;
    Some(inside.split('│').next().unwrap_or("").trim_end().to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Serve,
    Baseline,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Serve => "serve",
            Kind::Baseline => "baseline",
        }
    }
}

/// The per-process baseline server, stopped with SIGTERM when dropped.
struct BaselineProcess {
    child: std::process::Child,
    port: u16,
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl BaselineProcess {
    fn start(server: &str, binary: &str, data: &Path) -> BaselineProcess {
        let mut child = std::process::Command::new(server)
            .args(["--listen", "127.0.0.1:0", "--bin", binary, "--data-dir"])
            .arg(data)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("start {server}: {e}"));
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("the baseline says where it listens");
        let port = first
            .split("ssh://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        BaselineProcess { child, port, _stdout: stdout }
    }
}

impl Drop for BaselineProcess {
    fn drop(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

/// Either server, running.
enum Running {
    Serve(ServeProcess),
    Baseline(BaselineProcess),
}

impl Running {
    fn port(&self) -> u16 {
        match self {
            Running::Serve(s) => s.port,
            Running::Baseline(b) => b.port,
        }
    }

    fn cpu(&self) -> f64 {
        match self {
            Running::Serve(s) => cpu_seconds(s.pid()),
            Running::Baseline(b) => cpu_with_children(b.child.id()),
        }
    }
}

struct Config {
    products: usize,
    keys: usize,
    interval: Duration,
    binary: String,
    baseline: String,
    data: PathBuf,
}

/// One typist's keystroke-to-screen times (ms), or why it failed.
struct Typed {
    latencies: Vec<Duration>,
    failures: usize,
}

/// Connects and logs in as `u{index}`; the session shows the catalog.
async fn log_in(port: u16, index: usize) -> Result<Shopper, String> {
    let mut shopper = Shopper::connect_from(port, &client_address(index), "xterm-256color", 100, 30).await?;
    shopper.wait_for_any(&["Log in"], Duration::from_secs(120)).await?;
    shopper.send(format!("u{index}\tpassword\r").as_bytes()).await?;
    // Every login is one argon2 verification, at most one per core at once.
    shopper.wait_for_any(&["Filter — press"], Duration::from_secs(300)).await?;
    Ok(shopper)
}

/// Waits until the filter field shows `text` exactly (polling the screen).
async fn wait_for_field(shopper: &Shopper, text: &str, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        let screen = shopper.screen();
        if filter_field(&screen).as_deref() == Some(text) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("the filter never showed {text:?}; the screen shows:\n{screen}"));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Types queries into the filter for `config.keys` keys.
async fn type_queries(shopper: &mut Shopper, index: usize, typists: usize, config: &Config) -> Result<Typed, String> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
    // Typists start spread over one interval, as people do.
    tokio::time::sleep(config.interval.mul_f64(index as f64 / typists.max(1) as f64)).await;
    shopper.send(b"/").await?;
    shopper.wait_for("Filter (typing)").await?;
    shopper.latencies.clear();
    let mut typed = Typed { latencies: Vec::new(), failures: 0 };
    let mut next = Instant::now() + config.interval;
    let mut keys = 0;
    let pace = |next: &mut Instant| {
        let at = *next;
        *next = at.max(Instant::now()) + config.interval;
        tokio::time::sleep_until(at.into())
    };
    while keys < config.keys {
        let query = query(&mut rng, config.products);
        for (end, key) in query.char_indices().map(|(i, c)| (i + c.len_utf8(), c)) {
            if keys == config.keys {
                break;
            }
            pace(&mut next).await;
            shopper.send(key.to_string().as_bytes()).await?;
            keys += 1;
            if key == ' ' {
                // Not visible on its own (the field's padding is spaces too).
                continue;
            }
            match shopper.wait_for_any(&[&format!("│{}", &query[..end])], Duration::from_secs(30)).await {
                Ok(_) => {}
                Err(e) => {
                    if typed.failures == 0 && std::env::var_os("SSH_LOAD_DEBUG").is_some() {
                        eprintln!("typist {index}: {e}");
                    }
                    typed.failures += 1;
                }
            }
        }
        pace(&mut next).await;
        shopper.send(b"\x15").await?;
        wait_for_field(shopper, "", Duration::from_secs(30)).await?;
    }
    typed.latencies = std::mem::take(&mut shopper.latencies);
    Ok(typed)
}

/// Each client its own loopback address (127.1.0.1, 127.1.0.2, …), as
/// people are: `serve` counts its limits per address.
fn client_address(index: usize) -> String {
    format!("127.1.{}.{}", index / 250, index % 250 + 1)
}

/// `serve`'s options for a load of `sessions` clients arriving at once: the
/// caps on sessions, guests and connections still logging in made room for
/// them (the per-address caps hold: every client has its own address).
fn serve_limits(sessions: usize) -> Vec<String> {
    let room = (sessions + 10).to_string();
    ["--max-sessions", &room, "--max-guest-sessions", &room, "--max-connecting", &room].map(String::from).to_vec()
}

fn start_serve(binary: &str, data: &std::path::Path, sessions: usize) -> ServeProcess {
    let limits = serve_limits(sessions);
    let options: Vec<&str> = limits.iter().map(String::as_str).collect();
    // The server's log is dropped unless asked for.
    let log = std::env::var_os("SSH_LOAD_SERVER_LOG").map(PathBuf::from);
    ServeProcess::start_with(binary, data, &options, log.as_deref(), None)
}

/// One round on one server: everyone logs in, then everyone types.
fn round(kind: Kind, typists: usize, config: &Arc<Config>) -> (Vec<Duration>, usize, f64, f64) {
    let server = match kind {
        Kind::Serve => Running::Serve(start_serve(&config.binary, &config.data, typists)),
        Kind::Baseline => Running::Baseline(BaselineProcess::start(&config.baseline, &config.binary, &config.data)),
    };
    let port = server.port();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let ready = Arc::new(Barrier::new(typists + 1));
    let (results, cpu, elapsed) = runtime.block_on(async {
        let tasks: Vec<_> = (0..typists)
            .map(|i| {
                let (ready, config) = (Arc::clone(&ready), Arc::clone(config));
                tokio::spawn(async move {
                    let logged_in = log_in(port, i).await;
                    ready.wait().await;
                    let mut shopper = logged_in?;
                    let typed = type_queries(&mut shopper, i, typists, &config).await;
                    // Everyone stays connected until the last typist is done.
                    typed.map(|t| (t, shopper))
                })
            })
            .collect();
        ready.wait().await;
        let (cpu_before, started) = (server.cpu(), Instant::now());
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap_or_else(|e| Err(format!("panicked: {e}"))));
        }
        let cpu = server.cpu() - cpu_before;
        let elapsed = started.elapsed().as_secs_f64();
        // Disconnect everyone before the server stops.
        let results: Vec<Result<Typed, String>> = results.into_iter().map(|r| r.map(|(t, _)| t)).collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
        (results, cpu, elapsed)
    });
    drop(runtime);
    drop(server);
    let mut latencies = Vec::new();
    let mut failures = 0;
    for result in results {
        match result {
            Ok(typed) => {
                latencies.extend(typed.latencies);
                failures += typed.failures;
            }
            Err(e) => {
                failures += 1;
                if std::env::var_os("SSH_LOAD_DEBUG").is_some() {
                    eprintln!("  a typist failed: {e}");
                } else {
                    eprintln!("  a typist failed: {}", e.lines().next().unwrap_or(""));
                }
            }
        }
    }
    latencies.sort();
    (latencies, failures, cpu, elapsed)
}

fn summary(latencies: &[Duration]) -> String {
    format!(
        "p50 {:6.1} ms  p99 {:6.1} ms  max {:6.1} ms  ({} keys)",
        ms(percentile(latencies, 0.5)),
        ms(percentile(latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
        latencies.len()
    )
}

fn typists_mode(counts: &[usize], rounds: usize, only: Option<Kind>, config: &Arc<Config>) {
    println!(
        "catalog {} products; {} keys per typist per round, one per {} ms; {rounds} rounds per server",
        config.products,
        config.keys,
        config.interval.as_millis()
    );
    for &typists in counts {
        println!("\n== {typists} typists ==");
        let mut all: [Vec<Duration>; 2] = Default::default();
        for r in 0..rounds {
            let order = if r % 2 == 0 { [Kind::Serve, Kind::Baseline] } else { [Kind::Baseline, Kind::Serve] };
            for kind in order.into_iter().filter(|k| only.is_none_or(|o| o == *k)) {
                let (latencies, failures, cpu, elapsed) = round(kind, typists, config);
                println!(
                    "round {} {:<8}  {}  failed {failures}  server CPU {cpu:.2} s over {elapsed:.1} s",
                    r + 1,
                    kind.name(),
                    summary(&latencies)
                );
                all[kind as usize].extend(latencies);
            }
        }
        for (kind, latencies) in [Kind::Serve, Kind::Baseline].into_iter().zip(all.iter_mut()) {
            latencies.sort();
            if !latencies.is_empty() {
                println!("all     {:<8}  {}", kind.name(), summary(latencies));
            }
        }
        let [serve, baseline] = &all;
        if !serve.is_empty() && !baseline.is_empty() {
            let ratio = |p: f64| ms(percentile(serve, p)) / ms(percentile(baseline, p)).max(1e-9);
            println!("ratio serve/baseline: p50 {:.2}×, p99 {:.2}×", ratio(0.5), ratio(0.99));
        }
    }
}

/// One racing shopper: connect, hold, sign up, shop. Returns whether the
/// order was placed and the keystroke latencies of the shopping part.
async fn shop(
    server: SocketAddr,
    from: Option<IpAddr>,
    query: Arc<str>,
    name: String,
    held: Arc<Barrier>,
) -> Result<Shopped, String> {
    let mut shopper = Shopper::connect_to(server, from, "xterm-256color", 100, 30).await?;
    shopper.wait_for("Log in").await?;
    // Every session is open before anyone starts.
    held.wait().await;
    shopper.send(b"\x0e").await?;
    shopper.wait_for("Create account").await?;
    shopper.send(format!("{name}\tpass-{name}\tpass-{name}\r").as_bytes()).await?;
    shopper.wait_for_any(&["Account created"], Duration::from_secs(300)).await?;
    shopper.latencies.clear();
    let mut typed = String::new();
    shopper.send(b"/").await?;
    shopper.wait_for("Filter (typing)").await?;
    for key in query.chars() {
        typed.push(key);
        shopper.send(key.to_string().as_bytes()).await?;
        shopper.wait_for(&format!("│{typed}")).await?;
    }
    shopper.wait_for("1 of").await.ok();
    shopper.send(b"\r").await?;
    let placed: Option<Checkout> = {
        shopper.send(b"a").await?;
        let added = shopper.wait_for_any(&["Added 1", "out of stock", "Out of stock"], Duration::from_secs(60)).await?;
        if added == 0 {
            shopper.send(b"c").await?;
            shopper.wait_for("checks out").await?;
            shopper.send(b"p").await?;
            // Sold out meanwhile: `p` says so at once.
            if shopper.wait_for_any(&["Shipping address", "Your order was not placed"], Duration::from_secs(60)).await?
                == 1
            {
                return Ok(Shopped { checkout: None, keys: shopper.latencies.clone() });
            }
            shopper.send(b"Ada Lovelace\t12 Main St\t\tLondon\t\tNW1 2AB\tUK\t\x13").await?;
            shopper.wait_for("Pay by card").await?;
            shopper.send(b"\t4242 4242 4242 4242\t12/39\t123\x13").await?;
            shopper.wait_for("places and pays").await?;
            let keys = std::mem::take(&mut shopper.latencies);
            let confirmed = Instant::now();
            shopper.send(b"y").await?;
            let outcome = shopper
                .wait_for_any(&["placed and paid", "Your order was not placed"], Duration::from_secs(60))
                .await?;
            let checkout = Checkout { confirmed, answered: Instant::now(), placed: outcome == 0 };
            return Ok(Shopped { checkout: Some(checkout), keys });
        }
        None
    };
    Ok(Shopped { checkout: placed, keys: shopper.latencies.clone() })
}

/// What one racing shopper did.
struct Shopped {
    /// The confirmed checkout, if it got that far.
    checkout: Option<Checkout>,
    /// Keystroke-to-screen times before confirming.
    keys: Vec<Duration>,
}

impl Shopped {
    fn placed(&self) -> bool {
        self.checkout.as_ref().is_some_and(|c| c.placed)
    }
}

/// A payment confirmed (`y`) and the shop's answer on the screen.
struct Checkout {
    confirmed: Instant,
    answered: Instant,
    placed: bool,
}

/// Where a race runs: the generated folder itself, or a store it was
/// migrated into (`--store`); or servers already running (`--connect`).
struct Race {
    shoppers: usize,
    stock: u32,
    servers: usize,
    store: Option<String>,
    connect: Vec<SocketAddr>,
}

/// The racing shoppers' servers and what they race for.
struct Arena {
    servers: Vec<SocketAddr>,
    /// The servers started here (none with `--connect`): their memory and
    /// CPU are measured.
    started: Vec<ServeProcess>,
    store: String,
    /// The lamp's product id, and what a shopper types to find it alone.
    lamp: String,
    query: Arc<str>,
    /// Account names are this and a number.
    names: String,
}

/// The lamp's orders as stored: (orders holding it, units of it in them,
/// every order id distinct), and its stock.
fn stored(store: &str, lamp: &str) -> (usize, u32, bool, u32) {
    let location = shopfront::location::Location::parse(&store.into(), "store").expect("the store");
    let wait = shopfront::store::LockWait::Patient { notice: |_| {} };
    let repo = shopfront::open::open_repo(&location, wait).expect("open the store");
    let view = repo.read().expect("read the store");
    let (mut orders, mut units, mut all, mut ids) = (0, 0, 0, std::collections::HashSet::new());
    view.each_order(&mut |o| {
        let lamps: u32 = o.items.iter().filter(|l| l.product_id == lamp).map(|l| l.qty).sum();
        orders += usize::from(lamps > 0);
        units += lamps;
        all += 1;
        ids.insert(o.order_id.clone());
    })
    .expect("the orders");
    let stock = view.product(lamp).expect("the lamp").map_or(0, |p| p.stock);
    (orders, units, ids.len() == all, stock)
}

/// The generated shop, the lamp "Zephyr Lamp" (P1) in front of it, served
/// by `race.servers` new `serve` processes (after migrating it into
/// `--store`, if given).
fn generated_arena(race: &Race, config: &Config) -> Arena {
    let path = config.data.join("products.json");
    let products = std::fs::read_to_string(&path).expect("products.json");
    let lamp = format!(
        "[\n{{\"product_id\":\"P1\",\"name\":\"Zephyr Lamp\",\"price\":20.0,\"stock\":{},\"category\":\"Lighting\"}},\n",
        race.stock
    );
    std::fs::write(&path, products.replacen("[\n", &lamp, 1)).expect("products.json");
    let folder = config.data.display().to_string();
    let store = match &race.store {
        Some(target) => {
            let started = Instant::now();
            let out = std::process::Command::new(&config.binary)
                .args(["migrate", "--from", &folder, "--to", target])
                .output()
                .expect("run shopfront migrate");
            assert!(out.status.success(), "migrate: {}", String::from_utf8_lossy(&out.stderr));
            eprintln!("migrated the shop into the store in {:.1} s", started.elapsed().as_secs_f64());
            target.clone()
        }
        None => folder,
    };
    // One host key for every server, as on several machines.
    let keys = tempfile::tempdir().expect("a temp folder");
    let key = keys.path().join("ssh_host_ed25519_key").display().to_string();
    let mut options = serve_limits(race.shoppers);
    options.extend(["--host-key".to_string(), key]);
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let log = std::env::var_os("SSH_LOAD_SERVER_LOG").map(PathBuf::from);
    let started: Vec<ServeProcess> = (0..race.servers)
        .map(|_| ServeProcess::start_with(&config.binary, &store, &options, log.as_deref(), None))
        .collect();
    let servers = started.iter().map(|s| SocketAddr::from(([127, 0, 0, 1], s.port))).collect();
    Arena { servers, started, store, lamp: "P1".into(), query: "zephyr".into(), names: "load".into() }
}

/// Servers already running on `--store` (here or on other machines): a
/// new lamp "Zephyr <tag>" is put in their shop, the shoppers are
/// `<tag>0000`, … (a tag of this run, so runs never meet).
fn running_arena(race: &Race) -> Arena {
    let store = race.store.clone().expect("--connect needs --store: the store the servers serve");
    let location = shopfront::location::Location::parse(&store.as_str().into(), "store").expect("the store");
    let wait = shopfront::store::LockWait::Patient { notice: |_| {} };
    let shop = shopfront::shop::ShopService::open(&location, wait).expect("open the store");
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let tag: String = (0..6).map(|i| char::from(b'a' + (nanos >> (5 * i)) as u8 % 26)).collect();
    let currency = shop.settings().currency().owned();
    let draft = shopfront::domain::ProductDraft::from_input(
        &format!("Zephyr {tag}"),
        "20.00",
        &race.stock.to_string(),
        "Lighting",
        "",
        &currency,
    )
    .expect("the lamp");
    let lamp = shop.create_product(&shop.owner_at_machine(), draft).expect("add the lamp");
    eprintln!("added {} ({}) with {} in stock", lamp.name, lamp.product_id, race.stock);
    Arena {
        servers: race.connect.clone(),
        started: Vec::new(),
        store,
        lamp: lamp.product_id,
        query: tag.clone().into(),
        names: tag,
    }
}

fn race_mode(race: &Race, config: &Config) {
    let Race { shoppers, stock, .. } = *race;
    let mut arena = if race.connect.is_empty() { generated_arena(race, config) } else { running_arena(race) };
    let count = arena.servers.len();
    let pids: Vec<u32> = arena.started.iter().map(ServeProcess::pid).collect();
    std::thread::sleep(Duration::from_millis(300));
    let alone: Vec<f64> = pids.iter().map(|&pid| memory_mib(pid, "VmRSS:")).collect();
    let cpu_before: Vec<f64> = pids.iter().map(|&pid| cpu_seconds(pid)).collect();
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let held = Arc::new(Barrier::new(shoppers + 1));
    let (results, held_mib) = runtime.block_on(async {
        let tasks: Vec<_> = (0..shoppers)
            .map(|i| {
                let server = arena.servers[i % count];
                // Each from its own loopback address where the server is here.
                let from = server.ip().is_loopback().then(|| client_address(i).parse().expect("an address"));
                let name = format!("{}{i:04}", arena.names);
                tokio::spawn(shop(server, from, Arc::clone(&arena.query), name, Arc::clone(&held)))
            })
            .collect();
        held.wait().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let held_mib: Vec<f64> = pids.iter().map(|&pid| memory_mib(pid, "VmRSS:")).collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap_or_else(|e| Err(format!("panicked: {e}"))));
        }
        (results, held_mib)
    });
    let elapsed = started.elapsed();
    let peaks: Vec<f64> = pids.iter().map(|&pid| memory_mib(pid, "VmHWM:")).collect();
    let cpu: Vec<f64> = pids.iter().zip(&cpu_before).map(|(&pid, before)| cpu_seconds(pid) - before).collect();
    for server in &mut arena.started {
        server.stop();
    }

    let failed: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    let done: Vec<&Shopped> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let placed = done.iter().filter(|s| s.placed()).count();
    let mut latencies: Vec<Duration> = done.iter().flat_map(|s| s.keys.iter().copied()).collect();
    latencies.sort();
    let checkouts: Vec<&Checkout> = done.iter().filter_map(|s| s.checkout.as_ref()).collect();
    let mut answers: Vec<Duration> = checkouts.iter().map(|c| c.answered - c.confirmed).collect();
    answers.sort();
    let window = checkouts.iter().map(|c| c.confirmed).min().zip(checkouts.iter().map(|c| c.answered).max());
    let (orders, units, distinct, left) = stored(&arena.store, &arena.lamp);
    if race.connect.is_empty() {
        println!("catalog             {} products", config.products + 1);
        println!(
            "store               {}",
            if race.store.is_some() { "as given by --store" } else { "the JSON folder" }
        );
    }
    println!("servers             {count}, shoppers spread evenly over them");
    println!("shoppers            {shoppers} (all connected and held at once: {})", failed.is_empty());
    println!("sessions failed     {}", failed.len());
    for failure in failed.iter().take(3) {
        println!("  e.g. {}", failure.lines().next().unwrap_or(""));
    }
    println!(
        "orders placed       {placed} as the screens said; stored: {orders} orders, {units} lamps, {left} left of \
         {stock}; oversold: {}; order ids distinct: {distinct}",
        units > stock || units + left != stock
    );
    println!("keystroke → screen  {}", summary(&latencies));
    println!("checkout answer     {}", summary(&answers).replace("keys", "checkouts"));
    if let Some((first, last)) = window {
        let span = (last - first).as_secs_f64();
        println!(
            "checkouts           {} confirmed within {span:.2} s: {:.1} answered a second ({placed} placed)",
            checkouts.len(),
            checkouts.len() as f64 / span.max(1e-9)
        );
    }
    for (i, pid) in pids.iter().enumerate() {
        let sessions = shoppers / count + usize::from(i < shoppers % count);
        println!(
            "server {} (pid {pid})  memory {:.1} MiB alone, {:.1} MiB with its {sessions} sessions held \
             ({:.2} MiB per session), peak {:.1} MiB; CPU {:.1} s",
            i + 1,
            alone[i],
            held_mib[i],
            (held_mib[i] - alone[i]) / sessions.max(1) as f64,
            peaks[i],
            cpu[i]
        );
    }
    if pids.is_empty() {
        println!("servers' memory     not measured (started elsewhere)");
    }
    println!("elapsed             {:.1} s", elapsed.as_secs_f64());
}

/// `HOST:PORT[,HOST:PORT…]`, each resolved to its first address.
fn addresses(list: &str) -> Vec<SocketAddr> {
    list.split(',')
        .map(|one| {
            one.trim()
                .to_socket_addrs()
                .ok()
                .and_then(|mut found| found.next())
                .unwrap_or_else(|| panic!("--connect: {one} is not HOST:PORT"))
        })
        .collect()
}

/// A field of /proc/PID/status as a number (kB for sizes).
fn status_number(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The server's memory and threads at one moment.
#[derive(Clone, Copy, Default)]
struct Footprint {
    rss_kib: u64,
    anon_kib: u64,
    threads: u64,
}

impl Footprint {
    fn of(pid: u32) -> Footprint {
        Footprint {
            rss_kib: status_number(pid, "VmRSS:"),
            anon_kib: status_number(pid, "RssAnon:"),
            threads: status_number(pid, "Threads:"),
        }
    }

    /// Waits until the server has settled (at most `limit`): its thread
    /// count the same and its memory within 1% over three readings a
    /// second apart, the first after `at_least` (threads that performed
    /// the sessions' requests end after a few idle seconds).
    async fn settled(pid: u32, at_least: Duration, limit: Duration) -> Footprint {
        let deadline = Instant::now() + limit;
        tokio::time::sleep(at_least).await;
        let mut readings = vec![Footprint::of(pid)];
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            readings.push(Footprint::of(pid));
            let last = &readings[readings.len().saturating_sub(3)..];
            let steady = last.len() == 3
                && last.iter().all(|r| r.threads == last[0].threads)
                && last.iter().all(|r| r.rss_kib.abs_diff(last[0].rss_kib) * 100 <= last[0].rss_kib);
            if steady || Instant::now() >= deadline {
                return readings[readings.len() - 1];
            }
        }
    }
}

/// Whether a thread of `pid` has this name.
fn has_thread(pid: u32, name: &str) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name))
}

fn print_stage(stage: &str, sessions: usize, alone: Footprint, now: Footprint, pid: u32) {
    if std::env::var_os("SSH_LOAD_USR1").is_some() {
        // SAFETY: kill only sends a signal.
        unsafe { libc::kill(pid as i32, libc::SIGUSR1) };
        std::thread::sleep(Duration::from_millis(600));
    }
    let n = sessions.max(1) as f64;
    println!(
        "{stage:<14} RSS {:7.1} MiB  anon {:7.1} MiB  threads {:5}  per session: {:6.3} MiB RSS, {:6.3} MiB anon, {:4.2} threads",
        now.rss_kib as f64 / 1024.0,
        now.anon_kib as f64 / 1024.0,
        now.threads,
        (now.rss_kib as f64 - alone.rss_kib as f64) / 1024.0 / n,
        (now.anon_kib as f64 - alone.anon_kib as f64) / 1024.0 / n,
        (now.threads as f64 - alone.threads as f64) / n,
    );
}

/// Runs `work(i)` for every i in `0..n`, at most `at_once` at a time;
/// returns the results in order.
async fn bounded<T, F, Fut>(n: usize, at_once: usize, work: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let permits = Arc::new(tokio::sync::Semaphore::new(at_once));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let permit = Arc::clone(&permits).acquire_owned().await.expect("the semaphore is never closed");
        let job = work(i);
        tasks.push(tokio::spawn(async move {
            let out = job.await;
            drop(permit);
            out
        }));
    }
    let mut out = Vec::with_capacity(n);
    for task in tasks {
        out.push(task.await.expect("a task panicked"));
    }
    out
}

/// One idle run: N sessions at the login screen, then logged in.
fn idle_run(sessions: usize, (width, height): (u16, u16), hold: Duration, config: &Config) {
    let server = start_serve(&config.binary, &config.data, sessions);
    let (pid, port) = (server.pid(), server.port);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        // The start-up work (the filter's warm-up) is over before "alone".
        let started = Instant::now();
        while has_thread(pid, "filter-warmup") && started.elapsed() < Duration::from_secs(120) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let alone = Footprint::settled(pid, Duration::ZERO, Duration::from_secs(10)).await;
        println!("\n== {sessions} idle sessions at {width}x{height} (server pid {pid}) ==");
        print_stage("alone", 0, alone, alone, pid);
        let connecting = Instant::now();
        let connected = bounded(sessions, 50, |i| async move {
            let mut shopper = Shopper::connect_from(port, &client_address(i), "xterm-256color", width, height).await?;
            shopper.wait_for_any(&["Log in"], Duration::from_secs(120)).await?;
            Ok::<Shopper, String>(shopper)
        })
        .await;
        let failed = connected.iter().filter(|c| c.is_err()).count();
        if let Some(Err(e)) = connected.iter().find(|c| c.is_err()) {
            eprintln!("  e.g. {}", e.lines().next().unwrap_or(""));
        }
        let login_screen = Footprint::settled(pid, Duration::from_secs(8), Duration::from_secs(60)).await;
        print_stage("login screen", sessions - failed, alone, login_screen, pid);
        println!("  ({} connected in {:.1} s, {failed} failed)", sessions - failed, connecting.elapsed().as_secs_f64());
        let logging_in = Instant::now();
        // Each logs in as u{i}, i its place in the connection order.
        let shoppers: Vec<(usize, Shopper)> =
            connected.into_iter().enumerate().filter_map(|(i, c)| c.ok().map(|s| (i, s))).collect();
        let results = {
            let permits = Arc::new(tokio::sync::Semaphore::new(100));
            let mut tasks = Vec::new();
            for (i, mut shopper) in shoppers {
                let permit = Arc::clone(&permits).acquire_owned().await.expect("open");
                tasks.push(tokio::spawn(async move {
                    let result = async {
                        shopper.send(format!("u{i}\tpassword\r").as_bytes()).await?;
                        shopper.wait_for_any(&["Filter — press"], Duration::from_secs(300)).await?;
                        Ok::<(), String>(())
                    }
                    .await;
                    drop(permit);
                    (shopper, result)
                }));
            }
            let mut out = Vec::new();
            for task in tasks {
                out.push(task.await.expect("a task panicked"));
            }
            out
        };
        let failed_login = results.iter().filter(|(_, r)| r.is_err()).count();
        if let Some((_, Err(e))) = results.iter().find(|(_, r)| r.is_err()) {
            eprintln!("  e.g. {}", e.lines().next().unwrap_or(""));
        }
        let logged = Footprint::settled(pid, Duration::from_secs(8), Duration::from_secs(60)).await;
        print_stage("logged in", results.len() - failed_login, alone, logged, pid);
        println!(
            "  ({} logged in in {:.1} s, {failed_login} failed); peak RSS {:.1} MiB",
            results.len() - failed_login,
            logging_in.elapsed().as_secs_f64(),
            memory_mib(pid, "VmHWM:")
        );
        if !hold.is_zero() {
            println!("  holding {} s (server pid {pid})", hold.as_secs());
            let (cpu_before, holding) = (cpu_seconds(pid), Instant::now());
            tokio::time::sleep(hold).await;
            let (cpu, held) = (cpu_seconds(pid) - cpu_before, holding.elapsed().as_secs_f64());
            println!(
                "  server CPU while holding: {cpu:.2} s over {held:.1} s ({:.1}% of one core)",
                100.0 * cpu / held
            );
            print_stage("after hold", results.len() - failed_login, alone, Footprint::of(pid), pid);
        }
        drop(results);
        tokio::time::sleep(Duration::from_millis(300)).await;
    });
    drop(runtime);
    drop(server);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut products, mut keys, mut interval, mut rounds) = (100_000usize, 100usize, 100u64, 2usize);
    let mut counts = vec![10usize];
    let (mut only, mut data, mut race) = (None, None, false);
    let (mut shoppers, mut stock, mut servers, mut store) = (200usize, 50u32, 1usize, None::<String>);
    let mut connect = Vec::new();
    let (mut idle, mut size, mut hold) = (Vec::<usize>::new(), (100u16, 30u16), 0u64);
    let mut binary = std::env::var("SHOPFRONT_BIN").unwrap_or_else(|_| "target/release/shopfront".into());
    let mut baseline = "target/release/examples/ssh_per_process".to_string();
    let number = |flag: &str, value: Option<&String>| -> usize {
        value.and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{flag} needs a number"))
    };
    if args.first().is_some_and(|a| a.parse::<usize>().is_ok()) {
        // The old form: SHOPPERS STOCK [DATA_DIR].
        race = true;
        shoppers = number("SHOPPERS", args.first());
        stock = args.get(1).map_or(50, |s| s.parse().expect("a stock"));
        data = args.get(2).map(PathBuf::from);
    } else {
        let mut i = 0;
        while i < args.len() {
            let value = args.get(i + 1);
            let flag = args[i].as_str();
            i += 2;
            match flag {
                "--products" => products = number(flag, value),
                "--keys" => keys = number(flag, value),
                "--interval-ms" => interval = number(flag, value) as u64,
                "--rounds" => rounds = number(flag, value),
                "--typists" => {
                    counts = value
                        .expect("--typists N[,N…]")
                        .split(',')
                        .map(|n| n.trim().parse().expect("--typists N[,N…]"))
                        .collect()
                }
                "--only" => {
                    only = Some(match value.map(String::as_str) {
                        Some("serve") => Kind::Serve,
                        Some("baseline") => Kind::Baseline,
                        _ => panic!("--only serve|baseline"),
                    })
                }
                "--data" => data = value.map(PathBuf::from),
                "--bin" => binary = value.expect("--bin PATH").clone(),
                "--baseline-bin" => baseline = value.expect("--baseline-bin PATH").clone(),
                "--race" => {
                    race = true;
                    i -= 1;
                }
                "--shoppers" => shoppers = number(flag, value),
                "--stock" => stock = number(flag, value) as u32,
                "--servers" => servers = number(flag, value).max(1),
                "--store" => store = Some(value.expect("--store STORE").clone()),
                "--connect" => {
                    connect = addresses(value.expect("--connect HOST:PORT[,HOST:PORT…]"));
                    race = true;
                }
                "--idle" => {
                    idle = value
                        .expect("--idle N[,N…]")
                        .split(',')
                        .map(|n| n.trim().parse().expect("--idle N[,N…]"))
                        .collect()
                }
                "--size" => {
                    size = value
                        .and_then(|v| v.split_once('x'))
                        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
                        .expect("--size WxH")
                }
                "--hold-secs" => hold = number(flag, value) as u64,
                other => panic!("unknown option {other}; the options are in the header of examples/ssh_load.rs"),
            }
        }
    }
    let fresh = tempfile::tempdir().expect("a temp folder");
    let data = data.unwrap_or_else(|| fresh.path().join("shop"));
    let accounts = match (race, idle.iter().copied().max()) {
        (true, _) => 1,
        (false, Some(most)) => most,
        (false, None) => counts.iter().copied().max().unwrap_or(1),
    };
    // Servers already running serve their own shop.
    if connect.is_empty() {
        let started = Instant::now();
        big_folder::write_big_folder(&data, products, 0, accounts).expect("the data folder");
        // The generator's accounts share one hash; make it the hash of "password".
        let users = std::fs::read_to_string(data.join("users.json")).expect("users.json");
        let shared = users.split("\"password_hash\":\"").nth(1).and_then(|rest| rest.split('"').next()).unwrap_or("");
        let hash = shopfront::password::hash_password("password").expect("a password hash");
        std::fs::write(data.join("users.json"), users.replace(shared, &hash)).expect("users.json");
        eprintln!(
            "wrote {products} products and {accounts} accounts to {} in {:.1} s",
            data.display(),
            started.elapsed().as_secs_f64()
        );
    }
    let config = Arc::new(Config { products, keys, interval: Duration::from_millis(interval), binary, baseline, data });
    if race {
        race_mode(&Race { shoppers, stock, servers, store, connect }, &config);
    } else if !idle.is_empty() {
        println!("catalog {} products", config.products);
        for &sessions in &idle {
            idle_run(sessions, size, Duration::from_secs(hold), &config);
        }
    } else {
        typists_mode(&counts, rounds, only, &config);
    }
}
