//! Command-line interface (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "shopfront", version, about = "A full-screen terminal storefront", long_about = None)]
pub struct Cli {
    /// Data folder (default: $SHOPFRONT_DATA_DIR, else ./data). Created and
    /// seeded with the demo catalog if it holds no products.json yet.
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Do not capture the mouse, so text can be selected and copied.
    #[arg(long)]
    pub no_mouse: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and validate the data folder and print what it holds.
    Check,
    /// Print the products the catalog filter shows for QUERY, best first.
    Search {
        query: String,
        /// Print at most N products.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Print a JSON list instead of aligned columns.
        #[arg(long)]
        json: bool,
    },
    /// Manage admin accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
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
}
