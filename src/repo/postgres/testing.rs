//! Helpers for tests on PostgreSQL.
