//! Keeping the catalogs' filter results up to date: inline or on a worker,
//! rebuilt when the products change.

use super::*;

impl App {
    /// Moves matching to a worker thread from `products` products on (tests
    /// use a small number to exercise the threaded path).
    pub fn set_filter_worker_from(&mut self, products: usize) {
        self.worker_from = products;
        self.catalog.built_from = u64::MAX;
        self.rebuild_catalog_if_stale();
    }

    /// Re-runs a catalog's filter for its query. With a worker, the answer
    /// arrives later through `poll_filter`.
    pub(super) fn refilter(&mut self, kind: CatalogKind) {
        if self.batching {
            self.refilter_after_batch[kind as usize] = true;
            return;
        }
        self.stats.filter_runs += 1;
        let view = self.view_mut(kind);
        let query = view.query.value().to_string();
        if query.trim().is_empty() {
            // Everything, in catalog order: nothing to match, nothing to copy.
            let hits = filter::Hits::All(Arc::clone(&view.all));
            view.pending = false;
            view.generation += 1;
            self.apply_hits(kind, hits, Duration::ZERO);
            return;
        }
        match &mut view.engine {
            FilterEngine::Inline(engine) => {
                let started = Instant::now();
                let hits = filter::Hits::Matched(engine.search(&query));
                self.apply_hits(kind, hits, started.elapsed());
            }
            FilterEngine::Worker(worker) => {
                view.generation += 1;
                worker.request(view.generation, &query);
                view.pending = true;
            }
        }
    }

    /// Takes a worker's answer if it is for the latest query; returns whether
    /// the results changed (the screen needs drawing).
    pub fn poll_filter(&mut self) -> bool {
        let mut changed = false;
        for kind in [CatalogKind::Shop, CatalogKind::Admin] {
            let view = self.view(kind);
            let FilterEngine::Worker(worker) = &view.engine else { continue };
            match worker.try_latest() {
                Some(result) if result.generation == view.generation && view.pending => {
                    self.view_mut(kind).pending = false;
                    self.apply_hits(kind, filter::Hits::Matched(result.hits), result.took);
                    changed = true;
                }
                _ => {}
            }
        }
        self.redraw |= changed;
        changed
    }

    /// Shows new results. A product the shopper moved to stays selected while
    /// it is among them; a selection still on the top row stays on the top
    /// row, so typing always shows the best match first.
    pub(super) fn apply_hits(&mut self, kind: CatalogKind, hits: filter::Hits, took: Duration) {
        let moved = self.view(kind).cursor.selected > 0;
        let keep = self.selected_in(kind).filter(|_| moved).map(|p| p.product_id.clone());
        let height = self.list_rows();
        let products = &self.products;
        let index = keep
            .and_then(|id| hits.positions().position(|p| products.at(p as usize).is_some_and(|p| p.product_id == id)))
            .unwrap_or(0);
        let view = self.view_mut(kind);
        view.hits = hits;
        view.last_filter = took;
        view.cursor.select(index, view.hits.len(), height);
    }

    /// Rebuilds the filters when a new catalog snapshot came. The text they
    /// search is the snapshot's, shared with every session.
    pub(super) fn rebuild_catalog_if_stale(&mut self) {
        let version = self.catalog_generation;
        let kinds: &[CatalogKind] =
            if self.is_admin() { &[CatalogKind::Shop, CatalogKind::Admin] } else { &[CatalogKind::Shop] };
        for &kind in kinds {
            if self.view(kind).built_from == version {
                continue;
            }
            let text = Arc::clone(self.products.search_text());
            let all = Arc::clone(if kind == CatalogKind::Admin { &text.every } else { &text.on_sale });
            let engine = CatalogFilter::new(text, Arc::clone(&all));
            let total = engine.len();
            let engine = if total >= self.worker_from {
                FilterEngine::Worker(filter_worker::FilterWorker::spawn(engine))
            } else {
                FilterEngine::Inline(engine)
            };
            let view = self.view_mut(kind);
            (view.all, view.total, view.engine, view.built_from) = (all, total, engine, version);
            self.refilter(kind);
        }
    }
}
