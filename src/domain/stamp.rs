//! Who last changed a record as an admin, and when: products, discount
//! codes and the settings carry it (orders have their own events).

use serde::{Deserialize, Serialize};

use super::Timestamp;
use super::extra::Extra;

/// The last change an admin (or the owner at the machine) made to a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AdminChange {
    /// The admin's account, or `owner (command line)`.
    pub by: String,
    pub at: Timestamp,
    /// Fields Shopfront does not know (a `why` another tool wrote), kept as
    /// they were. A new change is a new stamp: it does not inherit them.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(AdminChange);

impl AdminChange {
    pub fn new(by: &str, at: Timestamp) -> AdminChange {
        AdminChange { by: by.to_string(), at, extra: Extra::default() }
    }
}
