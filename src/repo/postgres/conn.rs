//! One connection to PostgreSQL, set up for the shop, with its prepared
//! statements kept; and the manager that opens them for the r2d2 pool.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, Row, SimpleQueryMessage, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::{Target, connection_lost};
use super::url::{ConnInfo, Host, SslMode};
use crate::repo::RepoError;

/// A statement running longer than this is cancelled (`Busy`).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);
/// A row lock awaited longer than this: `Busy` (SQLite's busy timeout).
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts to connect to a server that never answered, left waiting at
/// most at once; beyond, the next ones are refused at once.
const ABANDONED_MAX: usize = 4;
/// A transaction left open and idle this long is ended by the server.
const IDLE_IN_TRANSACTION: Duration = Duration::from_secs(120);

/// Sent once on every new connection.
fn session_setup() -> String {
    format!(
        "SET statement_timeout = {}; SET lock_timeout = {}; SET idle_in_transaction_session_timeout = {}; \
         SET standard_conforming_strings = on; SET TimeZone = 'UTC'",
        STATEMENT_TIMEOUT.as_millis(),
        LOCK_TIMEOUT.as_millis(),
        IDLE_IN_TRANSACTION.as_millis()
    )
}

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A connection and the statements prepared on it.
pub struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
    /// Not to be lent again: lost, or left in a state not known.
    pub broken: bool,
    /// The server process serving it, and when that started: to tell,
    /// after the connection is lost, whether its last transaction ended.
    pub session: Session,
}

/// A server process, as `pg_stat_activity` names it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    pub pid: i32,
    pub started: String,
}

impl PgConn {
    /// Marks the connection broken when `error` says it is gone.
    fn noting<T>(&mut self, result: Result<T, postgres::Error>) -> Result<T, postgres::Error> {
        if let Err(error) = &result {
            if connection_lost(error) {
                self.broken = true;
            }
            // A table changed under a prepared statement: prepare anew.
            if error.code().is_some_and(|c| c.code() == "0A000") {
                self.statements.clear();
            }
        }
        result
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let prepared = self.client.prepare(sql);
        let statement = self.noting(prepared)?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    pub fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        let rows = self.client.query(&statement, params);
        self.noting(rows)
    }

    pub fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>, postgres::Error> {
        let statement = self.statement(sql)?;
        let row = self.client.query_opt(&statement, params);
        self.noting(row)
    }

    pub fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row, postgres::Error> {
        let statement = self.statement(sql)?;
        let row = self.client.query_one(&statement, params);
        self.noting(row)
    }

    pub fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64, postgres::Error> {
        let statement = self.statement(sql)?;
        let count = self.client.execute(&statement, params);
        self.noting(count)
    }

    /// Statements without parameters, in one round trip.
    pub fn batch(&mut self, sql: &str) -> Result<(), postgres::Error> {
        let done = self.client.batch_execute(sql);
        self.noting(done)
    }

    /// Statements without parameters, in one round trip, with their rows as text.
    pub fn simple(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, postgres::Error> {
        let done = self.client.simple_query(sql);
        self.noting(done)
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// The client alone (tests).
    pub fn into_client(self) -> Client {
        self.client
    }
}

/// Opens connections as the URL says; remembers whether the last attempt
/// failed (the database is down), and why.
pub struct Manager {
    config: postgres::Config,
    tls: MakeRustlsConnect,
    pub target: Target,
    /// How long opening a connection may take in all.
    patience: Duration,
    down: AtomicBool,
    last_error: Mutex<Option<RepoError>>,
    /// Attempts to connect given up on and still waiting for a server
    /// that never answered (each thread is left to end by itself; at most
    /// `ABANDONED_MAX` at once).
    abandoned: Arc<AtomicUsize>,
}

impl Manager {
    pub fn new(info: &ConnInfo, tls: MakeRustlsConnect, target: Target) -> Manager {
        let mut config = postgres::Config::new();
        config
            .user(&info.user)
            .dbname(&info.dbname)
            .port(info.port)
            .application_name(&info.application_name)
            .connect_timeout(info.connect_timeout)
            // A network that drops is noticed in about a minute, not a quarter of an hour.
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .keepalives_interval(Duration::from_secs(10))
            .keepalives_retries(3)
            .tcp_user_timeout(Duration::from_secs(30));
        if let Some(password) = &info.password {
            config.password(password);
        }
        let ssl = match (&info.host, info.sslmode) {
            // libpq does not use TLS over a Unix socket either.
            (Host::Socket(_), _) | (_, SslMode::Disable) => postgres::config::SslMode::Disable,
            (_, SslMode::Prefer) => postgres::config::SslMode::Prefer,
            _ => postgres::config::SslMode::Require,
        };
        config.ssl_mode(ssl);
        match &info.host {
            Host::Tcp(name) => config.host(name),
            Host::Socket(dir) => config.host_path(dir),
        };
        Manager {
            config,
            tls,
            target,
            patience: info.connect_timeout * 2,
            down: AtomicBool::new(false),
            last_error: Mutex::new(None),
            abandoned: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A new connection, set up.
    pub fn open(&self) -> Result<PgConn, RepoError> {
        let opened = self.connect_within_patience();
        let mut last = self.last_error.lock().unwrap_or_else(|p| p.into_inner());
        match opened {
            Ok((client, session)) => {
                self.down.store(false, Ordering::Relaxed);
                *last = None;
                Ok(PgConn { client, statements: HashMap::new(), broken: false, session })
            }
            Err(error) => {
                self.down.store(true, Ordering::Relaxed);
                *last = Some(error.clone());
                Err(error)
            }
        }
    }

    /// Connects in a thread of its own, waiting at most `patience`: the
    /// client's connect timeout bounds the TCP connection only, not a
    /// server that takes it and never answers.
    fn connect_within_patience(&self) -> Result<(Client, Session), RepoError> {
        let silence = || self.target.unreachable(&format!("it did not answer within {} s", self.patience.as_secs()));
        if self.abandoned.load(Ordering::Acquire) >= ABANDONED_MAX {
            return Err(silence());
        }
        let (config, tls) = (self.config.clone(), self.tls.clone());
        // 0: connecting, 1: done, 2: given up on.
        let state = Arc::new(AtomicU8::new(0));
        let (sender, receiver) = std::sync::mpsc::channel();
        let (theirs, abandoned) = (Arc::clone(&state), Arc::clone(&self.abandoned));
        let spawned = std::thread::Builder::new().name("pg-connect".into()).spawn(move || {
            let opened = config.connect(tls).and_then(|mut client| {
                client.batch_execute(&session_setup())?;
                // Not every server that speaks PostgreSQL's protocol says: then unknown.
                let replies = client
                    .simple_query(
                        "SELECT pg_backend_pid()::text, (SELECT backend_start::text FROM pg_stat_activity \
                         WHERE pid = pg_backend_pid())",
                    )
                    .unwrap_or_default();
                let session = replies
                    .iter()
                    .find_map(|reply| match reply {
                        SimpleQueryMessage::Row(row) => Some(Session {
                            pid: row.get(0).and_then(|pid| pid.parse().ok()).unwrap_or(0),
                            started: row.get(1).unwrap_or_default().to_string(),
                        }),
                        _ => None,
                    })
                    .unwrap_or_default();
                Ok((client, session))
            });
            if theirs.swap(1, Ordering::AcqRel) == 2 {
                abandoned.fetch_sub(1, Ordering::AcqRel);
            }
            // Given up on meanwhile: the client is dropped, its connection closed.
            let _ = sender.send(opened);
        });
        if let Err(e) = spawned {
            return Err(self.target.unreachable(&format!("cannot start a thread to connect: {e}")));
        }
        match receiver.recv_timeout(self.patience) {
            Ok(opened) => opened.map_err(|e| self.target.explain(&e)),
            Err(_) => {
                if state.compare_exchange(0, 2, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                    self.abandoned.fetch_add(1, Ordering::AcqRel);
                }
                Err(silence())
            }
        }
    }

    /// Whether the last attempt to connect failed (or a connection was
    /// found lost since).
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    /// A lent connection was found lost: the next one is tried at once.
    pub fn suspect(&self) {
        self.down.store(true, Ordering::Relaxed);
    }

    /// Why the last attempt to connect failed, if it did.
    pub fn last_error(&self) -> Option<RepoError> {
        self.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The manager as the pool holds it (the repo keeps a handle too).
pub struct Shared(pub Arc<Manager>);

impl r2d2::ManageConnection for Shared {
    type Connection = PgConn;
    type Error = RepoError;

    fn connect(&self) -> Result<PgConn, RepoError> {
        self.0.open()
    }

    fn is_valid(&self, conn: &mut PgConn) -> Result<(), RepoError> {
        conn.batch("").map_err(|e| self.0.target.explain(&e))
    }

    fn has_broken(&self, conn: &mut PgConn) -> bool {
        conn.broken || conn.is_closed()
    }
}
