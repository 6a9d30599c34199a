//! `shopfront serve` with its heap counted: the same server (same
//! arguments, `--data-dir DIR serve …`), its allocator (mimalloc) wrapped
//! in a counter of live bytes. Four times a second, when it changed by a MiB, prints
//! to stderr the live heap (bytes and blocks) and the resident memory, so
//! memory the program holds can be told from memory the allocator keeps.
//! Live blocks by size (powers of two), and mimalloc's own statistics, go
//! to stderr on SIGUSR1.
//!
//! ```sh
//! cargo build --release --examples
//! target/release/examples/ssh_load --idle 200 --bin target/release/examples/serve_heap
//! ```

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use clap::Parser;
use shopfront::cli::{Cli, Command};
use shopfront::location::Location;
use shopfront::shop::ShopService;

struct Counted;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE_BLOCKS: AtomicUsize = AtomicUsize::new(0);
const BUCKETS: usize = 40;
static BUCKET_BLOCKS: [AtomicUsize; BUCKETS] = [const { AtomicUsize::new(0) }; BUCKETS];
static BUCKET_BYTES: [AtomicUsize; BUCKETS] = [const { AtomicUsize::new(0) }; BUCKETS];
static DUMP: AtomicBool = AtomicBool::new(false);

fn bucket(size: usize) -> usize {
    (usize::BITS - size.max(1).leading_zeros()) as usize % BUCKETS
}

fn add(size: usize) {
    LIVE_BYTES.fetch_add(size, Ordering::Relaxed);
    LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
    BUCKET_BLOCKS[bucket(size)].fetch_add(1, Ordering::Relaxed);
    BUCKET_BYTES[bucket(size)].fetch_add(size, Ordering::Relaxed);
}

fn sub(size: usize) {
    LIVE_BYTES.fetch_sub(size, Ordering::Relaxed);
    LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
    BUCKET_BLOCKS[bucket(size)].fetch_sub(1, Ordering::Relaxed);
    BUCKET_BYTES[bucket(size)].fetch_sub(size, Ordering::Relaxed);
}

// SAFETY: every call is passed on to mimalloc unchanged; only counted.
unsafe impl GlobalAlloc for Counted {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        sub(layout.size());
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            sub(layout.size());
            add(new_size);
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counted = Counted;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

extern "C" fn on_usr1(_: libc::c_int) {
    DUMP.store(true, Ordering::Relaxed);
}

fn report() {
    let mut last = 0;
    loop {
        std::thread::sleep(std::time::Duration::from_millis(250));
        let live = LIVE_BYTES.load(Ordering::Relaxed);
        let threads = status_kib("Threads:");
        let dump = DUMP.swap(false, Ordering::Relaxed);
        if live.abs_diff(last) > 1 << 20 || dump {
            eprintln!(
                "heap: live {:.1} MiB in {} blocks; RSS {:.1} MiB; threads {threads}",
                live as f64 / 1048576.0,
                LIVE_BLOCKS.load(Ordering::Relaxed),
                status_kib("VmRSS:") as f64 / 1024.0,
            );
            last = live;
        }
        if dump {
            // SAFETY: prints mimalloc's statistics to stderr.
            unsafe { libmimalloc_sys::mi_stats_print_out(None, std::ptr::null_mut()) };
            if std::env::var_os("SERVE_HEAP_FORCE").is_some() {
                let before = status_kib("VmRSS:");
                unsafe { libmimalloc_sys::mi_collect(true) };
                eprintln!("heap: forced collect: RSS {before} -> {} KiB", status_kib("VmRSS:"));
            }
            for b in 0..BUCKETS {
                let blocks = BUCKET_BLOCKS[b].load(Ordering::Relaxed);
                if blocks > 0 {
                    let bytes = BUCKET_BYTES[b].load(Ordering::Relaxed);
                    eprintln!(
                        "heap: < {:>10} B: {blocks:>9} blocks {:>9.1} MiB",
                        1usize << b,
                        bytes as f64 / 1048576.0
                    );
                }
            }
        }
    }
}

fn main() {
    // The same start as the binary's: mimalloc's options set (src/main.rs).
    let options = [("MIMALLOC_ARENA_EAGER_COMMIT", "0"), ("MIMALLOC_PURGE_DELAY", "50")];
    let missing: Vec<_> = options.into_iter().filter(|(name, _)| std::env::var_os(name).is_none()).collect();
    if !missing.is_empty() {
        use std::os::unix::process::CommandExt;
        let exe = std::env::current_exe().expect("this program's path");
        let error = std::process::Command::new(exe).args(std::env::args_os().skip(1)).envs(missing).exec();
        panic!("restart: {error}");
    }
    let cli = Cli::parse();
    let Some(Command::Serve(args)) = cli.command else { panic!("usage: serve_heap --data-dir DIR serve [OPTIONS]") };
    let location = Location::resolve(cli.store, cli.data_dir, |key| std::env::var_os(key)).expect("a store");
    // SAFETY: installing a handler that only stores to an atomic.
    unsafe { libc::signal(libc::SIGUSR1, on_usr1 as *const () as libc::sighandler_t) };
    std::thread::spawn(report);
    let options = shopfront::serve::Options::from_args(args, &location.default_host_key());
    let shop = ShopService::open(&location, shopfront::store::LockWait::Impatient).expect("the shop");
    shop.watch();
    shopfront::serve::run(shop, options).expect("serve");
}
