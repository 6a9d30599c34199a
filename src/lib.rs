//! Shopfront: a full-screen terminal storefront on crash-safe JSON files.
//!
//! Layers, each only calling the ones below it:
//! `ui` (draws) → `app` (state + update) → `store` (the data folder) → `domain` (pure rules).

pub mod app;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod location;
pub mod migrate;
pub mod password;
pub mod receipts;
pub mod repo;
pub mod serve;
pub mod shop;
pub mod store;
pub mod terminal;
pub mod ui;
