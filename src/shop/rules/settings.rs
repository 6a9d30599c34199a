//! The shop's settings: its name, currency, shipping and tax.

use super::{Actor, Decided, require_admin};
use crate::domain::{AdminChange, Settings, Timestamp};
use crate::repo::{Change, ReadTx};
use crate::shop::ShopError;

/// Replaces the settings for `actor` (an admin, or the owner at the
/// machine): `change` gets the current ones. Checked as the loader checks them.
pub fn change_settings(
    view: &dyn ReadTx,
    now: Timestamp,
    actor: Actor,
    change: impl FnOnce(&Settings) -> Result<Settings, ShopError>,
) -> Decided<Settings> {
    let admin = require_admin(view, actor)?;
    let mut settings = change(&view.settings()?)?;
    settings.changed = Some(AdminChange::new(&admin.username, now));
    settings.validate().map_err(ShopError::Invalid)?;
    Ok((settings.clone(), vec![Change::PutSettings(settings)]))
}
