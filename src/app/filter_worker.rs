//! Matching off the UI thread, for catalogs so large that one keystroke's
//! filtering would delay the echo of the next: the worker owns the filter,
//! takes the newest query (skipping ones typed meanwhile) and sends back
//! results tagged with the query's generation; the app drops stale ones.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use super::filter::{CatalogFilter, Hit};

pub struct FilterResult {
    pub generation: u64,
    pub hits: Arc<[Hit]>,
    pub took: Duration,
}

pub struct FilterWorker {
    queries: Sender<(u64, String)>,
    results: Receiver<FilterResult>,
}

impl std::fmt::Debug for FilterWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FilterWorker")
    }
}

impl FilterWorker {
    /// Starts the thread; it ends when the worker is dropped.
    pub fn spawn(mut filter: CatalogFilter) -> FilterWorker {
        let (queries, inbox) = mpsc::channel::<(u64, String)>();
        let (outbox, results) = mpsc::channel();
        std::thread::spawn(move || {
            while let Ok(mut job) = inbox.recv() {
                // Only the newest query matters.
                while let Ok(newer) = inbox.try_recv() {
                    job = newer;
                }
                let started = Instant::now();
                let hits = filter.search(&job.1);
                let result = FilterResult { generation: job.0, hits, took: started.elapsed() };
                if outbox.send(result).is_err() {
                    return;
                }
            }
        });
        FilterWorker { queries, results }
    }

    pub fn request(&self, generation: u64, query: &str) {
        // A worker that died (it cannot panic short of a bug) simply never answers.
        let _ = self.queries.send((generation, query.to_string()));
    }

    /// The newest finished result, if any.
    pub fn try_latest(&self) -> Option<FilterResult> {
        self.results.try_iter().last()
    }
}
