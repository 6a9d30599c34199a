#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{self, BufRead, IsTerminal};
use std::process::ExitCode;

use clap::Parser;

use shopfront::cli::{AdminCommand, Cli, Command};
use shopfront::store::{self, AdminOutcome, FileKind, OpenMode, Store};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = store::resolve_data_dir(cli.data_dir.clone());
    let result = match cli.command {
        Some(Command::Check) => check(&data_dir),
        Some(Command::Admin(AdminCommand::Add { username, password_stdin: _ })) => admin_add(&data_dir, &username),
        None => run_app(&data_dir, !cli.no_mouse),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { code, message }) => {
            eprintln!("error: {message}");
            ExitCode::from(code)
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

fn run_app(data_dir: &std::path::Path, mouse: bool) -> Result<(), Failure> {
    // Load (and refuse a damaged folder) before touching the terminal.
    let store = Store::open(data_dir).map_err(|e| e.to_string())?;
    if !io::stdout().is_terminal() {
        return Err(Failure {
            code: 2,
            message: "standard output is not a terminal; the shop needs a full-screen terminal \
                      (for scripts, use `shopfront check` or `shopfront search`)"
                .to_string(),
        });
    }
    shopfront::terminal::run(store, mouse).map_err(|e| format!("terminal: {e}").into())
}

fn check(data_dir: &std::path::Path) -> Result<(), Failure> {
    let store = Store::open_with(data_dir, OpenMode::ExistingOnly).map_err(|e| e.to_string())?;
    let data = store.data();
    let plaintext = data.users.rows().iter().filter(|u| u.has_plaintext_password()).count();
    println!("data folder: {}", data_dir.display());
    for kind in FileKind::ALL {
        println!("{:<9} {}", format!("{}:", kind.file_name().trim_end_matches(".json")), data.count(kind));
    }
    println!("plaintext passwords: {plaintext}");
    println!("ok");
    Ok(())
}

fn admin_add(data_dir: &std::path::Path, username: &str) -> Result<(), Failure> {
    let mut line = String::new();
    io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']);
    let mut store = Store::open(data_dir).map_err(|e| e.to_string())?;
    match store.add_admin(username, password).map_err(|e| e.to_string())? {
        AdminOutcome::Created => println!("created admin {username}"),
        AdminOutcome::Promoted => println!("promoted {username} to admin (password unchanged)"),
        AdminOutcome::AlreadyAdmin => println!("{username} is already an admin"),
    }
    Ok(())
}
