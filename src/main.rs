#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use shopfront::app::filter::{CatalogFilter, rank_once};
use shopfront::cli::{AdminCommand, Cli, Command, DataCommand, DiscountCommand};
use shopfront::domain::Currency;
use shopfront::domain::text::printable;
use shopfront::location::Location;
use shopfront::repo::Repo;
use shopfront::shop::AdminOutcome;
use shopfront::shop::{ShopError, ShopService};
use shopfront::store::{self, FileKind, Store};

/// mimalloc's options for `serve` (hundreds of threads: one per SSH
/// session). It reads them from the environment when the process starts,
/// so `serve` starts itself again with them set (a value already in the
/// environment is kept).
/// - It commits whole arenas up front unless told otherwise: ~9 MB per
///   session with that, under 2 MB without.
/// - By default it gives a freed page back to the system a second later;
///   a page taken again within that second comes with all that its last
///   owner touched, still resident. Sessions' threads took pages that other
///   threads had filled (logins above all): with 50 ms, 0.3 MiB less a
///   session at 200 idle sessions (`ssh_load --idle`), while pages freed
///   and taken again within a burst of work stay as they are (the typists'
///   CPU time and latency were the same, within the noise of a shared
///   machine). Password hashing keeps its own memory (`password`).
const ALLOCATOR_OPTIONS: [(&str, &str); 2] = [("MIMALLOC_ARENA_EAGER_COMMIT", "0"), ("MIMALLOC_PURGE_DELAY", "50")];

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Some(Command::Serve(_))) {
        restart_with_allocator_options();
    }
    let location = match Location::resolve(cli.store.clone(), cli.data_dir.clone(), |key| std::env::var_os(key)) {
        Ok(location) => location,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mouse = !cli.no_mouse;
    if cli.command.as_ref().is_some_and(|c| !matches!(c, Command::Serve(_))) {
        // A command whose output is cut short (`check | head`) ends quietly,
        // as other command-line tools do. Never for `serve`: a shopper who
        // hangs up must not stop the server.
        // SAFETY: setting a signal's disposition to the default, before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let result = match (cli.command, &location) {
        (Some(Command::Migrate { from, to }), _) => migrate(&from, &to),
        (Some(Command::Check), Location::Folder(dir)) => check(dir),
        (Some(Command::Check), Location::Sqlite(_) | Location::Postgres(_)) => check_database(&location),
        (Some(Command::Search { query, limit, json }), Location::Folder(dir)) => search(dir, &query, limit, json),
        (Some(Command::Search { query, limit, json }), Location::Sqlite(_) | Location::Postgres(_)) => {
            search_database(&location, &query, limit, json)
        }
        (Some(Command::Index), Location::Folder(dir)) => index(dir),
        (Some(Command::Data(DataCommand::Accept { file })), Location::Folder(dir)) => settle(dir, &file, true),
        (Some(Command::Data(DataCommand::Restore { file })), Location::Folder(dir)) => settle(dir, &file, false),
        (Some(Command::Index), Location::Sqlite(_) | Location::Postgres(_)) => Err(Failure {
            code: 2,
            message: format!("{location}: `index` is for a JSON data folder; a database needs none"),
        }),
        (Some(Command::Data(_)), Location::Sqlite(_) | Location::Postgres(_)) => Err(Failure {
            code: 2,
            message: format!("{location}: `data accept` and `data restore` settle a JSON data folder's files"),
        }),
        (Some(Command::Admin(admin)), _) => admin_command(admin, &location),
        (Some(Command::Serve(args)), _) => {
            let options = shopfront::serve::Options::from_args(args, &location.default_host_key());
            serve(&location, options)
        }
        (None, _) => run_app(&location, mouse),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, message }) => {
            // Messages quote names and values from the data files. An empty
            // one was said already (search without hits).
            if !message.is_empty() {
                eprintln!("error: {}", printable(&message));
            }
            ExitCode::from(code)
        }
    }
}

/// `shopfront admin …`, as the owner at the machine.
fn admin_command(command: AdminCommand, location: &Location) -> Result<(), Failure> {
    match command {
        AdminCommand::Add { username, password_stdin: _ } => admin_add(location, &username),
        AdminCommand::Discount(DiscountCommand::Add {
            code,
            percent,
            fixed,
            free_shipping,
            min_subtotal,
            starts,
            expires,
            max_uses,
            per_user,
        }) => {
            let (kind, value) = match (percent, fixed, free_shipping) {
                (Some(p), _, _) => ("percent", p),
                (_, Some(amount), _) => ("fixed", amount),
                (_, _, true) => ("free_shipping", String::new()),
                _ => ("", String::new()),
            };
            let text = |o: Option<String>| o.unwrap_or_default();
            let (min_subtotal, starts, expires) = (text(min_subtotal), text(starts), text(expires));
            let (max_uses, per_user) = (text(max_uses), text(per_user));
            let input = shopfront::domain::discount::DiscountInput {
                code: &code,
                kind,
                value: &value,
                min_subtotal: &min_subtotal,
                starts: &starts,
                expires: &expires,
                max_uses: &max_uses,
                per_user: &per_user,
                active: true,
            };
            discount_add(location, &input)
        }
        AdminCommand::Settings { shipping, free_over, tax_percent, tax_included, tax_excluded } => {
            let included = match (tax_included, tax_excluded) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            settings(location, shipping, free_over, tax_percent, included)
        }
    }
}

/// What ends the program early: a message for stderr and the exit code.
struct Failure {
    code: u8,
    message: String,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { code: 1, message }
    }
}

fn run_app(location: &Location, mouse: bool) -> Result<(), Failure> {
    // Before anything is created or seeded: without a terminal there is no shop to show.
    if !io::stdout().is_terminal() {
        return Err(Failure {
            code: 2,
            message: "standard output is not a terminal; the shop needs a full-screen terminal \
                      (for scripts, use `shopfront check` or `shopfront search`)"
                .to_string(),
        });
    }
    // Load the catalog (and refuse a damaged one) before touching the
    // terminal; a folder's orders follow on another thread, and the first
    // request that needs them reports them if they are damaged. The app's
    // session worker waits for other copies itself, so the shop is impatient.
    let shop = ShopService::open(location, store::LockWait::Impatient).map_err(|e| e.to_string())?;
    shop.watch();
    shopfront::terminal::run(shop, location.receipts(), mouse).map_err(|e| format!("terminal: {e}").into())
}

/// `shopfront serve`: logs on stderr (RUST_LOG to choose how much).
fn serve(location: &Location, options: shopfront::serve::Options) -> Result<(), Failure> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,russh=warn"));
    let colour = io::IsTerminal::is_terminal(&io::stderr());
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colour).with_writer(io::stderr).init();
    let shop = ShopService::open(location, store::LockWait::Impatient).map_err(|e| e.to_string())?;
    shop.watch();
    shopfront::serve::run(shop, options).map_err(Failure::from)
}

/// Replaces this process with itself, `ALLOCATOR_OPTIONS` set (once).
fn restart_with_allocator_options() {
    use std::os::unix::process::CommandExt;
    let missing: Vec<(&str, &str)> =
        ALLOCATOR_OPTIONS.into_iter().filter(|(name, _)| std::env::var_os(name).is_none()).collect();
    if missing.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else { return };
    let error = std::process::Command::new(exe).args(std::env::args_os().skip(1)).envs(missing).exec();
    // Could not restart: serve anyway, with more memory per session.
    eprintln!("shopfront: could not restart with mimalloc's options set: {error}");
}

/// Validates the folder and reports what it holds; changes nothing at all.
fn check(data_dir: &std::path::Path) -> Result<(), Failure> {
    let inspection = store::inspect(data_dir).map_err(|e| e.to_string())?;
    let contents = Contents::of(&inspection.data)?;
    println!("data folder: {}", printable(&data_dir.display().to_string()));
    contents.print();
    if let Some(records) = inspection.pending_changes {
        println!(
            "pending: journal.json holds an interrupted change ({records} records); the next copy of Shopfront \
             that opens this folder to write finishes it (the counts above are the files as they are now)"
        );
    }
    println!("ok");
    // Exiting frees everything at once; no need to drop a big folder record by record.
    std::mem::forget(inspection);
    Ok(())
}

/// What `check` reports of a shop, read the same way from a folder and a
/// database (every record as the shop reads it).
struct Contents {
    tally: shopfront::migrate::Tally,
    settings: shopfront::domain::Settings,
    plaintext: usize,
}

impl Contents {
    fn of(view: &dyn shopfront::repo::ReadTx) -> Result<Contents, Failure> {
        let tally = shopfront::migrate::Tally::of(view).map_err(|e| e.to_string())?;
        let settings = view.settings().map_err(|e| e.to_string())?;
        let mut plaintext = 0;
        view.each_account(&mut |u| plaintext += usize::from(u.has_plaintext_password())).map_err(|e| e.to_string())?;
        Ok(Contents { tally, settings, plaintext })
    }

    /// The counts (named as the folder's files), settings and plaintext passwords.
    fn print(&self) {
        let tally = &self.tally;
        let counts = [
            (FileKind::Users, tally.accounts),
            (FileKind::Products, tally.products),
            (FileKind::Carts, tally.carts),
            (FileKind::Orders, tally.orders),
            (FileKind::Discounts, tally.codes),
        ];
        for (kind, count) in counts {
            println!("{:<10} {count}", format!("{}:", kind.file_name().trim_end_matches(".json")));
        }
        print_settings(&self.settings);
        println!("plaintext passwords: {}", self.plaintext);
    }
}

/// `check`'s line about shipping and tax.
fn print_settings(settings: &shopfront::domain::Settings) {
    let currency = settings.currency();
    let shipping = &settings.shipping;
    let free = shipping
        .free_over
        .map_or_else(|| "never free".to_string(), |over| format!("free from {}", over.shown(&currency)));
    let tax = &settings.tax;
    let included = if tax.included_in_prices { "included in prices" } else { "added" };
    let flat = shipping.flat.shown(&currency);
    println!("settings:  shipping {flat} ({free}), tax {} % {included}", tax.rate_percent);
}

/// One product `shopfront search` prints (`--json`: these four fields).
#[derive(serde::Serialize)]
struct SearchRow {
    product_id: String,
    name: String,
    price: shopfront::domain::Money,
    stock: u32,
}

fn search(data_dir: &std::path::Path, query: &str, limit: Option<usize>, json: bool) -> Result<(), Failure> {
    store::check_folder(data_dir).map_err(|e| e.to_string())?;
    // Prices in the shop's currency; a damaged settings.json is `check`'s
    // to report (meanwhile the default settings' currency).
    let settings = store::read_shop_settings(data_dir).unwrap_or_default();
    let limit = limit.unwrap_or(usize::MAX);
    let bytes = read_products_bytes(data_dir)?;
    // The catalog index (`shopfront index`) when it was made from exactly
    // these bytes (a damaged row sends us on to products.json itself).
    // Search only reads: without a current index it ranks products.json
    // and writes nothing.
    let stamp = store::search_index::stamp(&bytes);
    let mapped_index = store::search_index::read(data_dir, &stamp);
    let index = mapped_index.as_deref().and_then(store::search_index::parse);
    let (rows, hits) = match index.and_then(|index| search_index(&index, query, limit)) {
        Some(found) => found,
        None => {
            let sold = products_on_sale(data_dir, &bytes)?;
            let hits = rank_once(query, sold.len(), |i| {
                (&*sold[i].name, &*sold[i].product_id, sold[i].category.as_deref().unwrap_or(""))
            });
            let rows: Vec<SearchRow> = hits
                .iter()
                .take(limit)
                .map(|h| &sold[h.position as usize])
                .map(|p| SearchRow {
                    product_id: p.product_id.to_string(),
                    name: p.name.to_string(),
                    price: p.price,
                    stock: p.stock,
                })
                .collect();
            (rows, hits.len())
        }
    };
    print_rows(&rows, &settings.currency(), json)?;
    if hits == 0 {
        // As grep: nothing found is exit code 1, said on stderr.
        eprintln!("no products match \"{}\"", printable(query));
        return Err(Failure { code: 1, message: String::new() });
    }
    Ok(())
}

/// products.json's bytes. Read, not mapped: a data file someone truncates
/// by hand meanwhile must not crash us (the index is only ever replaced by rename).
fn read_products_bytes(data_dir: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let path = data_dir.join(FileKind::Products.file_name());
    Ok(store::read::read_data_file(data_dir, FileKind::Products.file_name())
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("{}: no such file", path.display()))?)
}

/// The products on sale in `bytes` (products.json), as search ranks them.
fn products_on_sale<'a>(
    data_dir: &std::path::Path,
    bytes: &'a [u8],
) -> Result<Vec<store::summaries::ProductSummary<'a>>, Failure> {
    let Some(summaries) = store::summaries::parse_summaries(bytes) else {
        // Something is off: the full loader says exactly what and where.
        store::read_products(data_dir).map_err(|e| e.to_string())?;
        let path = data_dir.join(FileKind::Products.file_name());
        return Err(format!("{}: cannot be read", path.display()).into());
    };
    Ok(summaries.into_iter().filter(|p| p.active).collect())
}

/// `shopfront index`: writes .catalog-index for the products.json as it is.
fn index(data_dir: &std::path::Path) -> Result<(), Failure> {
    store::check_folder(data_dir).map_err(|e| e.to_string())?;
    let bytes = read_products_bytes(data_dir)?;
    let stamp = store::search_index::stamp(&bytes);
    let sold = products_on_sale(data_dir, &bytes)?;
    let entries = sold.iter().map(|p| store::search_index::Entry {
        product_id: &p.product_id,
        name: &p.name,
        category: p.category.as_deref().unwrap_or(""),
        price: p.price,
        stock: p.stock,
    });
    store::search_index::write(data_dir, &stamp, entries)
        .map_err(|e| format!("cannot write {}: {e}", store::search_index::INDEX_FILE))?;
    let count = shopfront::domain::product::thousands(sold.len() as u64);
    println!("wrote {}: {count} products on sale", store::search_index::INDEX_FILE);
    Ok(())
}

/// Ranks the index's products: the rows to print and how many matched;
/// `None` if a row turns out damaged.
fn search_index(index: &store::search_index::Index, query: &str, limit: usize) -> Option<(Vec<SearchRow>, usize)> {
    // Rows with escapes (a tab or line break in a name) are unescaped up front.
    let unescaped: std::collections::HashMap<usize, (String, String, String)> = index
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| index.text(row).is_none())
        .map(|(i, row)| index.owned_text(row).map(|text| (i, text)))
        .collect::<Option<_>>()?;
    let text = |i: usize| match index.text(&index.rows[i]) {
        Some(text) => text,
        None => unescaped
            .get(&i)
            .map_or(("", "", ""), |(id, name, category)| (id.as_str(), name.as_str(), category.as_str())),
    };
    let hits = rank_once(query, index.rows.len(), |i| {
        let (id, name, category) = text(i);
        (name, id, category)
    });
    hits.iter()
        .take(limit)
        .map(|h| {
            let (id, name, _) = text(h.position as usize);
            let (price, stock) = index.price_and_stock(&index.rows[h.position as usize])?;
            Some(SearchRow { product_id: id.to_string(), name: name.to_string(), price, stock })
        })
        .collect::<Option<Vec<_>>>()
        .map(|rows| (rows, hits.len()))
}

/// The rows as JSON, or in columns with prices in the shop's `currency`.
fn print_rows(rows: &[SearchRow], currency: &Currency, json: bool) -> Result<(), Failure> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let written = if json {
        serde_json::to_writer_pretty(&mut out, rows).map_err(io::Error::other).and_then(|()| writeln!(out))
    } else {
        // Names come from products.json: nothing in them may reach the terminal raw.
        rows.iter().try_for_each(|p| {
            let (id, name) = (printable(&p.product_id), printable(&p.name));
            writeln!(out, "{id:<8} {name:<40} {:>10} {:>6}", p.price.shown(currency).to_string(), p.stock)
        })
    };
    // A closed pipe (`| head`) is not an error worth reporting.
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(format!("cannot print: {e}").into()),
        _ => Ok(()),
    }
}

/// `admin discount add`: the admin form's checks, the same messages.
fn discount_add(location: &Location, input: &shopfront::domain::discount::DiscountInput) -> Result<(), Failure> {
    if input.kind.is_empty() {
        return Err("say what the code gives: --percent N, --fixed AMOUNT or --free-shipping".to_string().into());
    }
    // Amounts typed and refused are in the shop's currency (read without
    // opening the store: a refusal creates nothing; a damaged settings.json
    // is for opening the folder to report).
    let current = match location {
        Location::Folder(dir) => store::read_shop_settings(dir).unwrap_or_default(),
        Location::Sqlite(path) if !path.is_file() => shopfront::domain::Settings::default(),
        Location::Sqlite(_) | Location::Postgres(_) => {
            (*patiently(location, || ShopService::open_whole(location, store::COMMAND_LINE_WAIT))?.settings()).clone()
        }
    };
    let discount = input.parse(&current.currency()).map_err(|(_, message)| message)?;
    let shop = patiently(location, || ShopService::open_whole(location, store::COMMAND_LINE_WAIT))?;
    let saved = patiently(location, || shop.save_discount(&shop.owner_at_machine(), None, discount.clone()))?;
    println!("added code {}: {}", printable(&saved.code), saved.benefit(&shop.settings().currency()));
    Ok(())
}

/// `data accept` / `data restore`: settles a file the shop held back.
fn settle(data_dir: &std::path::Path, file: &str, accept: bool) -> Result<(), Failure> {
    let name = file.trim().trim_end_matches(".json");
    let Some(kind) = FileKind::ALL.into_iter().find(|k| k.file_name().trim_end_matches(".json") == name) else {
        let names: Vec<&str> = FileKind::ALL.iter().map(|k| k.file_name()).collect();
        return Err(Failure { code: 2, message: format!("no data file {file:?}: one of {}", names.join(", ")) });
    };
    let mut store = Store::open_with(data_dir, store::OpenMode::ExistingOnly).map_err(|e| e.to_string())?;
    if accept {
        store.accept_outside(kind).map_err(|e| e.to_string())?;
        println!("{}: the copy saved from outside is kept; running shops take it within a second", kind.file_name());
    } else {
        store.restore_own(kind).map_err(|e| e.to_string())?;
        println!("{}: the shop's own version is back; running shops take it within a second", kind.file_name());
    }
    Ok(())
}

/// `admin settings`: changes what was given, prints the settings.
fn settings(
    location: &Location,
    shipping: Option<String>,
    free_over: Option<String>,
    tax_percent: Option<String>,
    included: Option<bool>,
) -> Result<(), Failure> {
    // Amounts typed and refused are in the currency the shop has now.
    let shop = patiently(location, || ShopService::open_whole(location, store::COMMAND_LINE_WAIT))?;
    let saved = if shipping.is_none() && free_over.is_none() && tax_percent.is_none() && included.is_none() {
        (*shop.settings()).clone()
    } else {
        patiently(location, || {
            shop.change_settings(&shop.owner_at_machine(), |current| {
                let [name, currency, flat, over, tax] = current.input_values();
                let over = match free_over.as_deref() {
                    Some("none") => String::new(),
                    Some(amount) => amount.to_string(),
                    None => over,
                };
                let values = [
                    name.as_str(),
                    currency.as_str(),
                    shipping.as_deref().unwrap_or(&flat),
                    &over,
                    tax_percent.as_deref().unwrap_or(&tax),
                ];
                current
                    .with_input(values, included.unwrap_or(current.tax.included_in_prices))
                    .map_err(|(_, message)| shopfront::shop::ShopError::Invalid(message))
            })
        })?
    };
    let currency = saved.currency();
    let free = saved
        .shipping
        .free_over
        .map_or_else(|| "never free".to_string(), |over| format!("free from {}", over.shown(&currency)));
    let included = if saved.tax.included_in_prices { "included in prices" } else { "added at checkout" };
    let flat = saved.shipping.flat.shown(&currency);
    println!("shipping {flat} ({free}), tax {} % {included}", saved.tax.rate_percent);
    Ok(())
}

fn admin_add(location: &Location, username: &str) -> Result<(), Failure> {
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']);
    // A command-line change waits for other copies (saying so after a second).
    let shop = patiently(location, || ShopService::open_whole(location, store::COMMAND_LINE_WAIT))?;
    let outcome = patiently(location, || shop.add_admin(&shop.owner_at_machine(), username, password))?;
    match outcome {
        AdminOutcome::Created(name) => println!("created admin {}", printable(&name)),
        AdminOutcome::Promoted(name) => println!("promoted {} to admin (password unchanged)", printable(&name)),
        AdminOutcome::AlreadyAdmin(name) => println!("{} is already an admin", printable(&name)),
    }
    Ok(())
}

/// `shopfront migrate --from STORE --to STORE`, with progress on stderr.
fn migrate(from: &std::ffi::OsString, to: &std::ffi::OsString) -> Result<(), Failure> {
    let usage = |e: shopfront::location::LocationError| Failure { code: 2, message: e.to_string() };
    let from = Location::parse(from, "--from").map_err(usage)?;
    let to = Location::parse(to, "--to").map_err(usage)?;
    let mut report = |step: shopfront::migrate::Progress| {
        use shopfront::migrate::Progress;
        match step {
            Progress::Hashing { done, of } if done == of => {
                eprintln!("\rhashed {of} console-shop passwords (argon2id)     ")
            }
            Progress::Hashing { done, of } => eprint!("\rhashing {of} console-shop passwords (argon2id): {done}/{of}"),
            Progress::Copying { done, of } if done == of => eprintln!("\rcopied {of} records           "),
            Progress::Copying { done, of } => eprint!("\rcopying: {done}/{of} records"),
            Progress::Committing => eprintln!("committing the one transaction…"),
            Progress::Verifying => eprintln!("checking the copy…"),
        }
    };
    let copied = shopfront::migrate::run(&from, &to, &mut report).map_err(|e| e.to_string())?;
    println!("copied {} from {from} to {to}", copied.summary());
    Ok(())
}

/// `check` on a database: SQLite's integrity and foreign key checks, then
/// every row read as the shop reads it (each checked by the same rules as a
/// folder's records). Only reads: a database file that does not exist is
/// not created, and one that exists is not changed.
fn check_database(location: &Location) -> Result<(), Failure> {
    let repo: std::sync::Arc<dyn Repo> = match location {
        Location::Sqlite(path) => {
            let repo = open_sqlite_read_only(location, path)?;
            repo.integrity_check().map_err(|e| e.to_string())?;
            std::sync::Arc::new(repo)
        }
        other => open_database(other)?,
    };
    let view = repo.read().map_err(|e| e.to_string())?;
    let contents = Contents::of(&*view)?;
    let version = match location {
        Location::Postgres(_) => i64::from(shopfront::repo::postgres::SCHEMA_VERSION),
        _ => shopfront::repo::sqlite::SCHEMA_VERSION,
    };
    println!("database: {location} (schema version {version})");
    contents.print();
    println!("ok");
    Ok(())
}

/// `search` on a database: the service's catalog, as a shopper's session
/// sees it (which products are on sale is the catalog's to say), searched
/// by the shoppers' catalog filter.
fn search_database(location: &Location, query: &str, limit: Option<usize>, json: bool) -> Result<(), Failure> {
    let shop = ShopService::new(open_database(location)?, shopfront::clock::now).map_err(|e| e.to_string())?;
    let catalog = shop.catalog();
    let text = catalog.search_text();
    let mut filter = CatalogFilter::new(std::sync::Arc::clone(text), std::sync::Arc::clone(&text.on_sale));
    let hits = filter.search(query);
    let rows: Vec<SearchRow> = hits
        .iter()
        .take(limit.unwrap_or(usize::MAX))
        .filter_map(|h| catalog.at(h.position as usize))
        .map(|p| SearchRow { product_id: p.product_id.clone(), name: p.name.clone(), price: p.price, stock: p.stock })
        .collect();
    print_rows(&rows, &shop.settings().currency(), json)?;
    if hits.is_empty() {
        eprintln!("no products match \"{}\"", printable(query));
        return Err(Failure { code: 1, message: String::new() });
    }
    Ok(())
}

/// Runs `attempt` until the store is not busy, saying once (after a
/// second) what it waits for: a command-line change waits for another
/// process's, as it does on a folder. Ctrl-C stops waiting.
fn patiently<T>(location: &Location, mut attempt: impl FnMut() -> Result<T, ShopError>) -> Result<T, Failure> {
    let started = std::time::Instant::now();
    let mut told = false;
    loop {
        match attempt() {
            Err(ShopError::Busy) => {
                if !told && started.elapsed() >= std::time::Duration::from_secs(1) {
                    told = true;
                    eprintln!("waiting for another process to finish with {location} … (Ctrl-C to stop waiting)");
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return other.map_err(|e| Failure::from(e.to_string())),
        }
    }
}

/// The database at `location` for the read-only commands: an SQLite file is
/// opened only to read (neither created nor changed; SQLite's integrity
/// check is `check`'s alone).
fn open_database(location: &Location) -> Result<std::sync::Arc<dyn Repo>, Failure> {
    match location {
        Location::Sqlite(path) => Ok(std::sync::Arc::new(open_sqlite_read_only(location, path)?)),
        other => shopfront::open::open_repo(other, store::COMMAND_LINE_WAIT).map_err(|e| e.to_string().into()),
    }
}

/// The SQLite database at `path`, opened only to read.
fn open_sqlite_read_only(
    location: &Location,
    path: &std::path::Path,
) -> Result<shopfront::repo::sqlite::SqliteRepo, Failure> {
    if !path.is_file() {
        return Err(format!("{location}: no such database file").into());
    }
    shopfront::repo::sqlite::SqliteRepo::open_read_only(path).map_err(|e| e.to_string().into())
}
