//! Command-line interface (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "shopfront",
    version,
    about = "A full-screen terminal storefront",
    long_about = "A full-screen terminal storefront.\n\nWithout a command it opens the shop on its store (--store; a \
                  data folder by default, which is created (mode 0700) and seeded with the demo catalog when it \
                  holds no products.json yet, as `serve` and `admin` do too). `check` and `search` only read it."
)]
pub struct Cli {
    /// Data folder (default: $SHOPFRONT_STORE, else $SHOPFRONT_DATA_DIR, else ./data).
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Where the shop's data lives: a data folder's path, sqlite:PATH for
    /// one SQLite database file, or postgres://USER@HOST:PORT/DB for a
    /// PostgreSQL database several machines share (default: as --data-dir).
    #[arg(long, value_name = "STORE", global = true)]
    pub store: Option<std::ffi::OsString>,

    /// Do not capture the mouse, so text can be selected and copied.
    #[arg(long)]
    pub no_mouse: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the data folder and print what it holds (only reads).
    ///
    /// Loads and validates every data file and prints what the folder holds.
    /// It only reads the data folder: it makes no folder and writes no file.
    Check,
    /// Print the products the catalog filter shows for QUERY (only reads).
    ///
    /// Best first; when none matches, says so on stderr and exits 1 (as grep
    /// does). It only reads the data folder: it makes no folder and writes no
    /// file. It uses .catalog-index when that was made from products.json as
    /// it is now (see `index`), and otherwise ranks products.json itself.
    Search {
        /// Words to look for, as typed into the catalog filter.
        query: String,
        /// Print at most N products.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Print a JSON list instead of aligned columns.
        #[arg(long)]
        json: bool,
    },
    /// Write .catalog-index, which makes `search` faster on big catalogs.
    ///
    /// .catalog-index in the data folder is a small copy of the products on
    /// sale (id, name, category, price, stock) that lets `search` skip
    /// parsing products.json. It is used only while products.json is exactly
    /// what it was made from (run `index` again after changes); safe to delete.
    Index,
    /// Manage admin accounts (creates and seeds the folder if needed).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Settle a data file the shop held back: one replaced from outside,
    /// while the shop ran, by an older copy that would undo its changes.
    #[command(subcommand)]
    Data(DataCommand),
    /// Serve the shop over SSH: every connection gets its own session
    /// (creates and seeds the folder if needed).
    Serve(ServeArgs),
    /// Copy a whole shop into an empty store (a folder, or sqlite:PATH).
    ///
    /// Accounts (password hashes, keys, addresses, cards), products, carts,
    /// orders, discount codes, settings and every field Shopfront does not
    /// know, in one transaction; counts and sums are checked after. The
    /// source is only read, so copying to a new file is also a consistent
    /// backup while the shop runs. Console-shop plaintext passwords are
    /// hashed on the way.
    Migrate {
        /// The shop to copy: a data folder or sqlite:PATH.
        #[arg(long, value_name = "STORE")]
        from: std::ffi::OsString,
        /// Where to copy it: a folder or database that does not exist yet or is empty.
        #[arg(long, value_name = "STORE")]
        to: std::ffi::OsString,
    },
}

/// `shopfront serve`'s options; every limit is a flag (load tests from one
/// address set them high).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:2222")]
    pub listen: String,
    /// The server's Ed25519 host key (made, mode 0600, if missing).
    /// Default: <data-dir>/ssh_host_ed25519_key.
    #[arg(long, value_name = "PATH")]
    pub host_key: Option<PathBuf>,
    /// Most sessions at once; more connections are told to come back later.
    #[arg(long, value_name = "N", default_value = "256", value_parser = parse_count)]
    pub max_sessions: usize,
    /// Most sessions at once from one address (IPv6: one /64).
    #[arg(long, value_name = "N", default_value = "16", value_parser = parse_count)]
    pub max_sessions_per_address: usize,
    /// Most sessions at once whose shopper has not logged in yet (the rest
    /// of --max-sessions is kept for shoppers).
    #[arg(long, value_name = "N", default_value = "64", value_parser = parse_count)]
    pub max_guest_sessions: usize,
    /// Most connections at once that have not yet logged in to SSH and
    /// opened the shop.
    #[arg(long, value_name = "N", default_value = "64", value_parser = parse_count)]
    pub max_connecting: usize,
    /// The same, from one address (IPv6: one /64).
    #[arg(long, value_name = "N", default_value = "8", value_parser = parse_count)]
    pub max_connecting_per_address: usize,
    /// New connections a minute from one address (IPv6: one /64).
    #[arg(long, value_name = "N", default_value = "30", value_parser = parse_count)]
    pub connections_per_minute: usize,
    /// Close a connection that has not opened the shop this long after
    /// connecting: 60s, 2m.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_short_duration)]
    pub login_timeout: std::time::Duration,
    /// Close a session after this long without a key press: 30m, 90s, 2h.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_short_duration)]
    pub idle_timeout: std::time::Duration,
    /// Behind a load balancer that sends the PROXY protocol (v1 or v2):
    /// every connection must start with its header, which names the
    /// client whose address the limits and login throttling count. Only
    /// with this flag; never expose such a port to the internet directly.
    #[arg(long)]
    pub proxy_protocol: bool,
}

/// A count of at least one.
pub fn parse_count(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a whole number of at least 1, not {:?}", crate::domain::text::printable(text))),
    }
}

/// The longest a serve timeout may be.
pub const LONGEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// `30m`, `90s`, `2h`, or a number of minutes.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let expected =
        || format!("expected a duration like 30m, 90s or 2h, not {:?}", crate::domain::text::printable(text));
    let n: u64 = number.parse().map_err(|_| expected())?;
    let seconds = match unit {
        "s" => n,
        "" | "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(expected()),
    };
    if seconds == 0 {
        return Err("the duration must be longer than zero".into());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

/// A duration of at most a day.
pub fn parse_short_duration(text: &str) -> Result<std::time::Duration, String> {
    let duration = parse_duration(text)?;
    if duration > LONGEST_TIMEOUT {
        return Err("at most a day (24h)".into());
    }
    Ok(duration)
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Keep the copy saved from outside (what it undoes stays undone); every
    /// running shop takes it.
    Accept {
        /// The data file: products.json, users.json, carts.json, orders.json,
        /// discounts.json or settings.json (".json" may be left out).
        file: String,
    },
    /// Put back the shop's own version (kept beside it as .FILE.shop when
    /// the outside copy was held back); every running shop takes it.
    Restore {
        /// The data file, as for `accept`.
        file: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account, or promote an existing account to admin
    /// (its password is then left unchanged).
    Add {
        username: String,
        /// Read the password from the first line of standard input.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Manage discount codes.
    #[command(subcommand)]
    Discount(DiscountCommand),
    /// Change the shop's shipping and tax settings (and print them).
    Settings {
        /// Flat shipping cost, like 5.00.
        #[arg(long, value_name = "AMOUNT")]
        shipping: Option<String>,
        /// Shipping is free from this subtotal (after the discount); `none`: never.
        #[arg(long, value_name = "AMOUNT|none")]
        free_over: Option<String>,
        /// Tax rate in percent, at most 3 decimals, like 8.25.
        #[arg(long, value_name = "P")]
        tax_percent: Option<String>,
        /// Prices already include the tax (it is shown, not added).
        #[arg(long, conflicts_with = "tax_excluded")]
        tax_included: bool,
        /// Tax is added to the prices at checkout.
        #[arg(long)]
        tax_excluded: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DiscountCommand {
    /// Add a discount code.
    Add {
        code: String,
        /// A percentage off the subtotal (1–100).
        #[arg(long, value_name = "N", group = "kind")]
        percent: Option<String>,
        /// An amount off the subtotal, like 5.00.
        #[arg(long, value_name = "AMOUNT", group = "kind")]
        fixed: Option<String>,
        /// Free shipping.
        #[arg(long, group = "kind")]
        free_shipping: bool,
        /// The subtotal the code needs, like 20.00.
        #[arg(long, value_name = "AMOUNT")]
        min_subtotal: Option<String>,
        /// From when it can be used: "YYYY-MM-DD HH:MM:SS", or a date (from
        /// the start of that day).
        #[arg(long, value_name = "TIME")]
        starts: Option<String>,
        /// Until when it can be used: "YYYY-MM-DD HH:MM:SS", or a date (to
        /// the end of that day). A time already past is refused.
        #[arg(long, value_name = "TIME")]
        expires: Option<String>,
        /// How many orders may use it in all.
        #[arg(long, value_name = "N")]
        max_uses: Option<String>,
        /// How many orders each shopper may use it on.
        #[arg(long, value_name = "N")]
        per_user: Option<String>,
    },
}
