//! Shopfront: a full-screen terminal storefront over a JSON folder, SQLite
//! or PostgreSQL.
//!
//! Floors, each only calling the ones below it: `terminal` / `serve` (the
//! loops) → `ui` (draws) → `app` (components: state, events, effects) →
//! `shop` (the service: every rule once) → `repo` (the storage contract; its
//! backends `store` (the folder), `repo::sqlite`, `repo::postgres`) →
//! `domain` (pure rules). `open` picks the backend a location names.

pub mod app;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod location;
pub mod migrate;
pub mod open;
pub mod password;
pub mod receipts;
pub mod repo;
pub mod serve;
pub mod shop;
pub mod store;
pub mod terminal;
pub mod ui;
