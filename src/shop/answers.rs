//! The live filter's answers to costly queries, shared by every session on
//! one catalog text: remembered (the least recently used go first when the
//! room is full) and found once — a session asking for a query that another
//! is searching for right now waits for that search instead of repeating
//! it, as when a hundred shoppers all start typing at once.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use rustc_hash::FxBuildHasher;

use super::catalog::{Answer, Scope};

/// Room for remembered answers, in matches (12 bytes each): about 100 MB
/// at most, whatever the number of sessions.
const ROOM: usize = 8 << 20;

#[derive(Debug, Default)]
pub struct SharedAnswers {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// By scope (`on_sale`, `every`), then by query.
    by_query: [HashMap<Box<str>, Entry, FxBuildHasher>; 2],
    /// Matches held by ready answers, at most `ROOM`.
    held: usize,
    clock: u64,
}

#[derive(Debug)]
enum Entry {
    /// The answer and when it was last used.
    Ready(Answer, u64),
    /// Another session is searching for it.
    Finding(Arc<Flight>),
}

/// One search under way; its answer (or `None` if the search was given up)
/// is handed to whoever waits.
#[derive(Debug, Default)]
struct Flight {
    outcome: Mutex<Option<Option<Answer>>>,
    done: Condvar,
}

impl Flight {
    fn finish(&self, answer: Option<Answer>) {
        *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(answer);
        self.done.notify_all();
    }

    fn wait(&self) -> Option<Answer> {
        let mut outcome = self.outcome.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(answer) = outcome.as_ref() {
                return answer.clone();
            }
            outcome = self.done.wait(outcome).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl SharedAnswers {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The remembered answer to `query` on `scope`, if it is ready.
    pub fn get(&self, scope: Scope, query: &str) -> Option<Answer> {
        let mut state = self.state();
        state.clock += 1;
        let now = state.clock;
        match state.by_query[scope as usize].get_mut(query)? {
            Entry::Ready(answer, used) => {
                *used = now;
                Some(Arc::clone(answer))
            }
            Entry::Finding(_) => None,
        }
    }

    /// The answer to `query` on `scope`: remembered, or waited for while
    /// another session finds it, or found by `find` here and remembered.
    pub fn get_or_find(&self, scope: Scope, query: &str, find: impl FnOnce() -> Answer) -> Answer {
        loop {
            let mut state = self.state();
            state.clock += 1;
            let now = state.clock;
            let flight = match state.by_query[scope as usize].get_mut(query) {
                Some(Entry::Ready(answer, used)) => {
                    *used = now;
                    return Arc::clone(answer);
                }
                Some(Entry::Finding(flight)) => Arc::clone(flight),
                None => {
                    let flight = Arc::new(Flight::default());
                    state.by_query[scope as usize].insert(Box::from(query), Entry::Finding(Arc::clone(&flight)));
                    drop(state);
                    let mut finding = Finding { answers: self, scope, query, flight, answer: None };
                    let answer = find();
                    finding.answer = Some(Arc::clone(&answer));
                    return answer;
                }
            };
            drop(state);
            if let Some(answer) = flight.wait() {
                return answer;
            }
            // The search was given up: try again (and search here if need be).
        }
    }

    /// Puts `answer` in the place of the search for it, making room.
    fn settle(&self, scope: Scope, query: &str, answer: Option<&Answer>) {
        let mut state = self.state();
        state.by_query[scope as usize].remove(query);
        let Some(answer) = answer.filter(|a| a.matched.len() <= ROOM / 4) else { return };
        while state.held + answer.matched.len() > ROOM {
            let oldest = (state.by_query.iter().enumerate())
                .flat_map(|(scope, map)| {
                    map.iter().filter_map(move |(query, entry)| match entry {
                        Entry::Ready(_, used) => Some((*used, scope, query)),
                        Entry::Finding(_) => None,
                    })
                })
                .min()
                .map(|(_, scope, query)| (scope, query.clone()));
            let Some((scope, query)) = oldest else { break };
            if let Some(Entry::Ready(gone, _)) = state.by_query[scope].remove(&query) {
                state.held -= gone.matched.len();
            }
        }
        state.clock += 1;
        let now = state.clock;
        state.held += answer.matched.len();
        state.by_query[scope as usize].insert(Box::from(query), Entry::Ready(Arc::clone(answer), now));
    }
}

/// A search under way: when it ends, its answer takes the search's place
/// and whoever waits gets it; if it never ends (a panic), the place is
/// cleared and the waiters search for themselves.
struct Finding<'a> {
    answers: &'a SharedAnswers,
    scope: Scope,
    query: &'a str,
    flight: Arc<Flight>,
    answer: Option<Answer>,
}

impl Drop for Finding<'_> {
    fn drop(&mut self) {
        self.answers.settle(self.scope, self.query, self.answer.as_ref());
        self.flight.finish(self.answer.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shop::catalog::Found;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn answer(matches: u32) -> Answer {
        Arc::new(Found { matched: (0..matches).collect(), hits: Arc::from([]) })
    }

    #[test]
    fn sessions_asking_at_once_share_one_search() {
        let answers = SharedAnswers::default();
        let searches = AtomicUsize::new(0);
        let found: Vec<Answer> = std::thread::scope(|scope| {
            let askers: Vec<_> = (0..8)
                .map(|_| {
                    scope.spawn(|| {
                        answers.get_or_find(Scope::OnSale, "s", || {
                            searches.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(200));
                            answer(5)
                        })
                    })
                })
                .collect();
            askers.into_iter().map(|a| a.join().expect("no panic")).collect()
        });
        assert_eq!(searches.load(Ordering::SeqCst), 1, "one search for eight sessions");
        assert!(found.iter().all(|a| Arc::ptr_eq(a, &found[0])));
        assert!(answers.get(Scope::OnSale, "s").is_some_and(|a| Arc::ptr_eq(&a, &found[0])));
        assert!(answers.get(Scope::Every, "s").is_none(), "scopes are apart");
    }

    #[test]
    fn a_search_that_panics_leaves_the_others_to_search() {
        let answers = SharedAnswers::default();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            answers.get_or_find(Scope::OnSale, "q", || panic!("search failed"))
        }));
        assert!(result.is_err());
        assert!(answers.get(Scope::OnSale, "q").is_none());
        let found = answers.get_or_find(Scope::OnSale, "q", || answer(3));
        assert_eq!(found.matched.len(), 3);
    }

    #[test]
    fn the_least_recently_used_answers_make_room() {
        let answers = SharedAnswers::default();
        let big = (ROOM / 4) as u32;
        for query in ["a", "b", "c", "d"] {
            answers.get_or_find(Scope::OnSale, query, || answer(big));
        }
        assert!(answers.get(Scope::OnSale, "a").is_some(), "a used again: b is now the oldest");
        answers.get_or_find(Scope::OnSale, "e", || answer(big));
        assert!(answers.get(Scope::OnSale, "b").is_none());
        for query in ["a", "c", "d", "e"] {
            assert!(answers.get(Scope::OnSale, query).is_some(), "{query}");
        }
        // Too big to keep: answered, not remembered.
        let huge = answers.get_or_find(Scope::OnSale, "f", || answer(big + 1));
        assert_eq!(huge.matched.len(), big as usize + 1);
        assert!(answers.get(Scope::OnSale, "f").is_none());
        assert!(answers.state().held <= ROOM);
    }
}
