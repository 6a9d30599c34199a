//! Opening a shop: the backend a `Location` names (the JSON folder,
//! SQLite or PostgreSQL) under the one `ShopService`. The service and its
//! rules know only the repo contract; this is where a backend is chosen,
//! so it alone knows them all.

use std::path::Path;
use std::sync::Arc;

use crate::location::Location;
use crate::repo::Repo;
use crate::shop::{Catalog, ShopError, ShopService};
use crate::store::repo::FolderRepo;
use crate::store::{LockWait, Store, StoreError};

impl ShopService {
    /// Opens the shop at `location` (a folder is created and seeded if
    /// needed) for sessions: the catalog is there when it returns, a
    /// folder's orders follow (`open_folder`). `wait` says what a change
    /// does while another process holds a folder.
    pub fn open(location: &Location, wait: LockWait) -> Result<Arc<ShopService>, ShopError> {
        match location {
            Location::Folder(dir) => ShopService::open_folder(dir, wait),
            Location::Sqlite(_) | Location::Postgres(_) => {
                ShopService::new(open_repo(location, wait)?, crate::clock::now)
            }
        }
    }

    /// Opens the shop at `location` with a folder read whole before it
    /// returns: for the command line, whose one request needs it all, and
    /// gets it sooner with the folder's two big files read side by side.
    pub fn open_whole(location: &Location, wait: LockWait) -> Result<Arc<ShopService>, ShopError> {
        match location {
            Location::Folder(dir) => Ok(ShopService::over_folder_waiting(Store::open(dir)?, wait)),
            Location::Sqlite(_) | Location::Postgres(_) => ShopService::open(location, wait),
        }
    }

    /// Opens (creating and seeding if needed) the JSON folder `dir`; see
    /// `Store::open`. `wait` says what a change does while another process
    /// holds the folder. The catalog is ready when this returns; the orders
    /// are read on another thread, and the first request waits for them.
    pub fn open_folder(dir: &Path, wait: LockWait) -> Result<Arc<ShopService>, ShopError> {
        Ok(ShopService::over_folder_waiting(Store::open_orders_later(dir)?, wait))
    }

    /// `over_folder`, its changes waiting for other copies as `wait` says.
    fn over_folder_waiting(mut store: Store, wait: LockWait) -> Arc<ShopService> {
        store.set_lock_wait(wait);
        ShopService::over_folder(store)
    }

    /// Serves an opened folder (with its clock). The snapshots start from
    /// what the store has just read: nothing to wait for, even while
    /// another copy holds the folder.
    pub fn over_folder(mut store: Store) -> Arc<ShopService> {
        let clock = store.clock();
        let catalog = Catalog::build(store.products().rows(), None);
        let settings = store.settings().clone();
        // A store opened with its orders left for later reads them now, while the shopper browses.
        store.read_orders_meanwhile();
        // A new folder repo's feed is empty: its first change is after 0.
        ShopService::serving(Arc::new(FolderRepo::new(store)), clock, 0, catalog, settings)
    }
}

/// The repo at `location`, for tools that work below the rules (copying a
/// shop, tests that look at what was stored).
pub fn open_repo(location: &Location, wait: LockWait) -> Result<Arc<dyn Repo>, ShopError> {
    match location {
        Location::Folder(dir) => {
            let mut store = Store::open(dir)?;
            store.set_lock_wait(wait);
            Ok(Arc::new(FolderRepo::new(store)))
        }
        Location::Sqlite(path) => Ok(Arc::new(crate::repo::sqlite::SqliteRepo::open(path)?)),
        Location::Postgres(url) => Ok(Arc::new(crate::repo::postgres::PgRepo::connect(url)?)),
    }
}

/// The folder's own errors (opening it, writing a receipt), as the shop
/// tells them: in words, with the file and place.
impl From<StoreError> for ShopError {
    fn from(error: StoreError) -> ShopError {
        match error {
            StoreError::Busy => ShopError::Busy,
            StoreError::Hash(e) => ShopError::Hash(e),
            StoreError::Repo(e) => e.into(),
            StoreError::Load(_) => ShopError::Damaged(error.to_string()),
            other => ShopError::Unavailable(other.to_string()),
        }
    }
}
