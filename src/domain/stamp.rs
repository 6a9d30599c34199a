//! Who last changed a record as an admin, and when: products, discount
//! codes and the settings carry it (orders have their own events).

use serde::{Deserialize, Serialize};

use super::Timestamp;

/// The last change an admin (or the owner at the machine) made to a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminChange {
    /// The admin's account, or `owner (command line)`.
    pub by: String,
    pub at: Timestamp,
}

impl AdminChange {
    pub fn new(by: &str, at: Timestamp) -> AdminChange {
        AdminChange { by: by.to_string(), at }
    }
}
