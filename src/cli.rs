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
        /// From when it can be used: "YYYY-MM-DD HH:MM:SS" (or a date).
        #[arg(long, value_name = "TIME")]
        starts: Option<String>,
        /// Until when it can be used: "YYYY-MM-DD HH:MM:SS" (or a date).
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
