//! The JSON folder as a `Repo`: a write transaction holds the folder's
//! lock from its start (after taking in what other processes changed) to
//! its commit, which is the folder's all-or-nothing commit (journal, then
//! each file replaced atomically). Reads are served from memory, brought up
//! to date with the files first.
//!
//! The change feed: this process's commits carry the ids they touched;
//! another process's commit is seen when this one next looks at the folder,
//! by the ids of the rows that differ from what it had read (`Ids::All` for
//! many at once, or a file edited by hand).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use super::lock::LockGuard;
use super::{Data, FileKind, Store, StoreError};
use crate::domain::order::{format_order_id, order_number};
use crate::repo::{Change, ChangeSet, Feed, LoginFailures, ReadTx, Repo, RepoError, WriteTx};

/// Changes the feed remembers; a reader further behind re-reads everything.
const FEED_KEPT: usize = 4096;

pub struct FolderRepo {
    inner: Mutex<Inner>,
    logins: super::logins::FolderLogins,
    /// What the store says of itself, for callers that must not wait out a
    /// sync in progress (a screen being drawn): taken after every sync.
    outlook: Mutex<Outlook>,
}

#[derive(Default)]
struct Outlook {
    held_back: Vec<String>,
    /// orders.json is still to be taken in (read after the catalog).
    orders_pending: bool,
}

struct Inner {
    store: Store,
    feed: FeedLog,
    /// The highest order number in orders.json at the version it was
    /// read (or this process committed): the next id without a scan while
    /// no other process has changed the orders.
    last_order: Option<(u64, u64)>,
}

/// The recent changes, and the store's table versions they account for.
struct FeedLog {
    last_id: u64,
    recent: VecDeque<ChangeSet>,
    versions: [u64; FileKind::ALL.len()],
}

impl FeedLog {
    fn push(&mut self, mut set: ChangeSet) -> ChangeSet {
        self.last_id += 1;
        set.id = self.last_id;
        if self.recent.len() == FEED_KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back(set.clone());
        set
    }

    /// Tables whose version moved without a commit of ours: another
    /// process changed them (or a damaged file was read again).
    fn note_outside(&mut self, store: &mut Store) {
        let now = FileKind::ALL.map(|kind| store.version(kind));
        if now == self.versions {
            return;
        }
        let moved = |kind: FileKind| now[kind.index()] != self.versions[kind.index()];
        let set = store.take_outside_changes(moved);
        self.versions = now;
        self.push(set);
    }
}

impl FolderRepo {
    /// Serves an opened store.
    pub fn new(mut store: Store) -> FolderRepo {
        let versions = FileKind::ALL.map(|kind| store.version(kind));
        // What opening read is where the feed starts, not a change.
        store.take_outside_changes(|_| false);
        FolderRepo {
            logins: super::logins::FolderLogins::new(store.dir()),
            outlook: Mutex::new(Outlook::of(&store)),
            inner: Mutex::new(Inner {
                store,
                feed: FeedLog { last_id: 0, recent: VecDeque::new(), versions },
                last_order: None,
            }),
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic mid-change leaves the store as a crash would: all or
        // nothing on disk, and re-read on the next sync.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes what `store` now says of itself (after a sync, which may
    /// have changed it whether or not it succeeded).
    fn note_outlook(&self, store: &Store) {
        *self.outlook.lock().unwrap_or_else(|p| p.into_inner()) = Outlook::of(store);
    }
}

impl Outlook {
    fn of(store: &Store) -> Outlook {
        Outlook { held_back: store.held_back(), orders_pending: store.orders_pending() }
    }
}

/// The folder's errors in the contract's three kinds; the words (with the
/// file and place) go along as text.
impl From<StoreError> for RepoError {
    fn from(error: StoreError) -> RepoError {
        match error {
            StoreError::Busy => RepoError::Busy,
            StoreError::Repo(inner) => inner,
            StoreError::Load(_) => RepoError::Damaged(error.to_string()),
            other => RepoError::Unavailable(other.to_string()),
        }
    }
}

impl Repo for FolderRepo {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, RepoError> {
        let mut inner = self.inner();
        // Another copy mid-change: `Busy` (the caller waits), so that what
        // it just made (an account, say) is never missed.
        let refreshed = inner.store.refresh();
        self.note_outlook(&inner.store);
        refreshed?;
        let Inner { store, feed, .. } = &mut *inner;
        feed.note_outside(store);
        Ok(Box::new(FolderRead { inner }))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>, RepoError> {
        let mut inner = self.inner();
        let begun = inner.store.begin_write();
        self.note_outlook(&inner.store);
        let guard = begun?;
        let Inner { store, feed, .. } = &mut *inner;
        feed.note_outside(store);
        Ok(Box::new(FolderWrite { inner, guard, staged: Vec::new(), last_order: None }))
    }

    fn notices(&self) -> Vec<String> {
        let mut notices = self.outlook.lock().unwrap_or_else(|p| p.into_inner()).held_back.clone();
        notices.extend(self.logins.notice());
        notices
    }

    fn still_loading(&self) -> bool {
        self.outlook.lock().unwrap_or_else(|p| p.into_inner()).orders_pending
    }

    fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        self.logins.update(keys, update)
    }

    fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
        let mut inner = self.inner();
        let Inner { store, feed, .. } = &mut *inner;
        feed.note_outside(store);
        let oldest_kept = feed.recent.front().map_or(feed.last_id + 1, |set| set.id);
        if after + 1 < oldest_kept && after < feed.last_id {
            return Ok(Feed::Gap { latest: feed.last_id });
        }
        Ok(Feed::Changes(feed.recent.iter().filter(|set| set.id > after).cloned().collect()))
    }
}

/// A read transaction: the folder as last synced, held still.
struct FolderRead<'a> {
    inner: MutexGuard<'a, Inner>,
}

/// A write transaction: the folder's lock and the changes staged so far.
struct FolderWrite<'a> {
    inner: MutexGuard<'a, Inner>,
    guard: LockGuard,
    staged: Vec<Change>,
    /// The highest order number taken so far (read on first use).
    last_order: Option<u64>,
}

impl Inner {
    /// orders.json's highest order number, if known at its current version.
    fn known_last_order(&self) -> Option<u64> {
        let version = self.store.version(FileKind::Orders);
        self.last_order.filter(|(at, _)| *at == version).map(|(_, last)| last)
    }
}

impl FolderWrite<'_> {
    fn data(&self) -> &Data {
        self.inner.store.data()
    }
}

impl FolderRead<'_> {
    fn data(&self) -> &Data {
        self.inner.store.data()
    }
}

// Both transactions read the loaded folder.
crate::forward_reads!(FolderRead<'_>, |tx| tx.data());
crate::forward_reads!(FolderWrite<'_>, |tx| tx.data());

impl WriteTx for FolderWrite<'_> {
    fn next_order_id(&mut self) -> Result<String, RepoError> {
        // The folder is ours until the commit: above the highest number in
        // orders.json, and those given out since, is free.
        let last = match self.last_order {
            Some(last) => last,
            None => {
                let in_file = match self.inner.known_last_order() {
                    Some(last) => last,
                    None => {
                        self.data().orders.rows().iter().filter_map(|o| order_number(&o.order_id)).max().unwrap_or(0)
                    }
                };
                self.inner.last_order = Some((self.inner.store.version(FileKind::Orders), in_file));
                in_file
            }
        };
        let next = last.checked_add(1).ok_or_else(|| RepoError::Unavailable("order numbers have run out".into()))?;
        self.last_order = Some(next);
        Ok(format_order_id(next))
    }

    fn stage(&mut self, change: Change) {
        self.staged.push(change);
    }

    fn commit(self: Box<Self>) -> Result<ChangeSet, RepoError> {
        let FolderWrite { mut inner, guard, staged, .. } = *self;
        let set = ChangeSet::of(&staged);
        // What orders.json's highest number will be, if it is known now.
        let staged_last = staged.iter().filter_map(|change| match change {
            Change::PutOrder(order) => order_number(&order.order_id),
            _ => None,
        });
        let last_after = inner.known_last_order().map(|last| staged_last.fold(last, u64::max));
        let Inner { store, feed, last_order: known_last } = &mut *inner;
        let committed = store.commit_staged(&guard, staged);
        // The folder's lock goes before anyone hears of the change.
        drop(guard);
        match committed {
            Ok(()) => {}
            // Past the journal the change stands: the next open finishes it.
            Err(StoreError::Unfinished(why)) => {
                tracing::warn!(%why, "a change was saved but its files were not all replaced; it is finished on the next open");
            }
            Err(e) => {
                feed.note_outside(store);
                return Err(e.into());
            }
        }
        feed.versions = FileKind::ALL.map(|kind| store.version(kind));
        *known_last = last_after.map(|last| (store.version(FileKind::Orders), last));
        if set.is_empty() {
            return Ok(set);
        }
        Ok(feed.push(set))
    }
}
