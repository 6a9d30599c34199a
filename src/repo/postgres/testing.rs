//! Helpers for tests on PostgreSQL (not part of the shop): a database of
//! its own for each test, made on the server `SHOPFRONT_TEST_PG` names (a
//! `postgres://` URL of a role that may create databases) and dropped
//! afterwards; and a throwaway cluster of a test's own, for tests that
//! stop and start their server.
//!
//! Without `SHOPFRONT_TEST_PG` a test says it is skipped and passes,
//! unless `SHOPFRONT_CI` is set: CI must run them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use super::PgRepo;
use super::conn::Manager;
use super::error::Target;
use super::url::{self, redacted};
use crate::repo::{Feed, LoginFailures, ReadTx, Repo, RepoError, WriteTx};

/// The server the tests use.
pub const SERVER_ENV: &str = "SHOPFRONT_TEST_PG";
/// Set in CI, where the PostgreSQL tests must run.
pub const CI_ENV: &str = "SHOPFRONT_CI";

/// The URL of the test server; `None` (having said that `test` is
/// skipped) when none is set. Panics when none is set in CI.
pub fn server(test: &str) -> Option<String> {
    match std::env::var(SERVER_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var_os(CI_ENV).is_some_and(|v| !v.is_empty()) {
                panic!("{SERVER_ENV} is not set, but {CI_ENV} is: CI must run the PostgreSQL tests ({test})");
            }
            eprintln!(
                "skipped {test}: {SERVER_ENV} is not set (a postgres://USER:PASSWORD@HOST:PORT/DB URL of a role that \
                 may create databases)"
            );
            None
        }
    }
}

/// A plain client of the database `url` names (as the store connects:
/// its password found the same way, its TLS, its timeouts).
pub fn client(url: &str) -> Result<postgres::Client, RepoError> {
    let info = url::parse(url, &url::Sources::from_environment())?;
    let tls = super::tls::connector(info.sslmode, info.sslrootcert.as_deref())?;
    let target = Target::new(redacted(url), info.user.clone(), info.dbname.clone(), info.password.clone());
    Ok(Manager::new(&info, tls, target).open()?.into_client())
}

/// What `error` says, the server's words included.
fn said(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{error}: {}", db.message()),
        None => error.to_string(),
    }
}

/// A database made for one test, dropped (whoever is still connected)
/// when this is.
pub struct TestDatabase {
    server: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A new database on the test server; `None` when there is none (see
    /// `server`).
    pub fn create(test: &str) -> Option<TestDatabase> {
        Some(TestDatabase::create_on(&server(test)?))
    }

    /// A new database on the server of `server` (a URL of a role that may
    /// create databases).
    pub fn create_on(server: &str) -> TestDatabase {
        static MADE: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!(
            "shopfront_test_{}_{}_{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::Relaxed),
            nanos % 1_000_000
        );
        let mut admin = client(server).unwrap_or_else(|e| panic!("the test server {}: {e}", redacted(server)));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("create {name}: {}", said(&e)));
        let url = url::with_database(server, &name);
        TestDatabase { server: server.to_string(), name, url }
    }

    /// The database `name` on the server of `server`, made anew (one of
    /// that name left by an earlier run is dropped first): for benchmarks,
    /// whose database outlives the process.
    pub fn named(server: &str, name: &str) -> TestDatabase {
        let mut admin = client(server).unwrap_or_else(|e| panic!("the test server {}: {e}", redacted(server)));
        for sql in [format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"), format!("CREATE DATABASE {name}")] {
            admin.batch_execute(&sql).unwrap_or_else(|e| panic!("{sql}: {}", said(&e)));
        }
        let url = url::with_database(server, name);
        TestDatabase { server: server.to_string(), name: name.to_string(), url }
    }

    /// Its URL (with the test server's password, if it has one).
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The test server's URL (another database on it).
    pub fn server(&self) -> &str {
        &self.server
    }

    /// A client of the database, as the test server's role (to look at or
    /// break the data by hand).
    pub fn client(&self) -> postgres::Client {
        client(&self.url).expect("connect to the test database")
    }

    /// A store on it.
    pub fn repo(&self) -> PgRepo {
        PgRepo::connect(&self.url).unwrap_or_else(|e| panic!("open {}: {e}", self.name))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = client(&self.server) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// A store on a test database that keeps the database until the last
/// store on it is dropped (a test's shop may outlive the test's own
/// handle on the database).
pub struct TestRepo {
    repo: PgRepo,
    _database: Arc<TestDatabase>,
}

impl TestRepo {
    pub fn open(database: &Arc<TestDatabase>) -> TestRepo {
        TestRepo { repo: database.repo(), _database: Arc::clone(database) }
    }
}

impl Repo for TestRepo {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, RepoError> {
        self.repo.read()
    }
    fn write(&self) -> Result<Box<dyn WriteTx + '_>, RepoError> {
        self.repo.write()
    }
    fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
        self.repo.changes_after(after)
    }
    fn notices(&self) -> Vec<String> {
        self.repo.notices()
    }
    fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        self.repo.login_failures(keys, update)
    }
}

/// PostgreSQL's programs (`initdb`, `pg_ctl`): `SHOPFRONT_PG_BIN`, else
/// the newest `/usr/lib/postgresql/*/bin`, else the folder of `pg_ctl` on
/// the `PATH`.
pub fn programs() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SHOPFRONT_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(Path::new)
        .find(|dir| dir.join("pg_ctl").is_file() && dir.join("initdb").is_file())
        .map(Path::to_path_buf)
}

/// A PostgreSQL cluster of a test's own, on a free port of 127.0.0.1 with
/// password logins, run as the `postgres` user when the test runs as root
/// (`initdb` refuses root). Stopped and removed when dropped.
pub struct Cluster {
    dir: Folder,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// The cluster's superuser and password.
pub const CLUSTER_USER: &str = "shopfront_admin";
pub const CLUSTER_PASSWORD: &str = "cluster-pass-7";

impl Cluster {
    /// A new cluster, started; `None` (having said so) where PostgreSQL's
    /// programs are missing, unless in CI (then it panics).
    pub fn start(test: &str) -> Option<Cluster> {
        let cluster = Cluster::create(test)?;
        cluster.start_again();
        Some(cluster)
    }

    /// A new cluster, not started yet (see `configure`).
    pub fn create(test: &str) -> Option<Cluster> {
        let Some(bin) = programs() else {
            if std::env::var_os(CI_ENV).is_some_and(|v| !v.is_empty()) {
                panic!("PostgreSQL's programs (initdb, pg_ctl) are missing, and CI must run {test}");
            }
            eprintln!("skipped {test}: PostgreSQL's programs (initdb, pg_ctl) are not installed");
            return None;
        };
        // SAFETY: geteuid has no preconditions and cannot fail.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        let dir = Folder::new();
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let cluster = Cluster { dir, bin, port, as_postgres };
        std::fs::write(cluster.dir.path().join("pw"), CLUSTER_PASSWORD).expect("password file");
        if as_postgres {
            let run = Command::new("chown").args(["-R", "postgres:postgres"]).arg(cluster.dir.path()).status();
            assert!(run.is_ok_and(|s| s.success()), "chown the cluster's folder to postgres");
        }
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                CLUSTER_USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile",
                &cluster.path("pw"),
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.configure(
            &format!(
                "listen_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nfsync = off\n\
                 synchronous_commit = off\nfull_page_writes = off\nmax_connections = 40\n",
                cluster.port,
                cluster.dir.path().display()
            ),
            None,
        );
        Some(cluster)
    }

    /// Adds `settings` to `postgresql.conf` and, when given, makes `hba`
    /// the TCP lines of `pg_hba.conf` (from the next start on).
    pub fn configure(&self, settings: &str, hba: Option<&str>) {
        use std::io::Write;
        let conf = Path::new(&self.data()).join("postgresql.conf");
        let mut opened = std::fs::OpenOptions::new().append(true).open(&conf).expect("postgresql.conf");
        opened.write_all(format!("\n{settings}\n").as_bytes()).expect("postgresql.conf");
        if let Some(hba) = hba {
            let path = Path::new(&self.data()).join("pg_hba.conf");
            std::fs::write(&path, format!("local all all trust\n{hba}\n")).expect("pg_hba.conf");
            self.give(&path);
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    fn data(&self) -> String {
        self.path("data")
    }

    /// The folder of the cluster (to put files the server reads in it).
    pub fn folder(&self) -> &Path {
        self.dir.path()
    }

    /// Gives a file in the folder to the user the server runs as.
    pub fn give(&self, file: &Path) {
        if self.as_postgres {
            let _ = Command::new("chown").args(["postgres:postgres"]).arg(file).status();
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        let out = command.args(args).current_dir(self.dir.path()).output().expect(program);
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A URL of the database `dbname` as the cluster's superuser.
    pub fn url(&self, dbname: &str) -> String {
        format!("postgres://{CLUSTER_USER}:{CLUSTER_PASSWORD}@127.0.0.1:{}/{dbname}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (fast: sessions are ended).
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the server again.
    pub fn start_again(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-l", &self.path("log"), "-w", "-t", "60", "start"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let path = self.bin.join("pg_ctl");
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "-w", "stop"];
        let _ = if self.as_postgres {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(path).args(args).output()
        } else {
            Command::new(path).args(args).output()
        };
    }
}

/// A new folder in the system's temporary folder, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Folder {
        static MADE: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("shopfront-pg-{}-{}-{nanos}", std::process::id(), MADE.fetch_add(1, Ordering::Relaxed));
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path).expect("a temporary folder");
        Folder(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
