//! `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?PARAM=VALUE&…]` as libpq
//! reads it (also `postgresql://`), the password found as libpq finds it
//! (the URL, else `PGPASSWORD`, else the password file), and the URL shown
//! without its password.
//!
//! Parameters understood: `sslmode` (`disable`, `prefer` — the default —,
//! `require`, `verify-ca`, `verify-full`), `sslrootcert` (a PEM file of the
//! certificates to trust), `connect_timeout` (seconds), `application_name`,
//! and `host`, `port`, `user`, `password`, `dbname` as in libpq. A host
//! that is a path (`host=/var/run/postgresql`, or `%2F…` in place of the
//! host) is the folder of the server's Unix socket.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::repo::RepoError;

/// How long connecting may take unless the URL says (`connect_timeout`).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(text: &str) -> Option<SslMode> {
        Some(match text {
            "disable" => SslMode::Disable,
            "prefer" | "allow" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    Tcp(String),
    /// The folder holding the server's socket (`.s.PGSQL.PORT`).
    Socket(PathBuf),
}

/// What a URL says, with the password found (never shown by `Debug`).
#[derive(Clone, PartialEq, Eq)]
pub struct ConnInfo {
    pub user: String,
    pub password: Option<String>,
    pub host: Host,
    pub port: u16,
    pub dbname: String,
    pub sslmode: SslMode,
    pub sslrootcert: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub application_name: String,
}

impl fmt::Debug for ConnInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnInfo")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "(hidden)"))
            .field("host", &self.host)
            .field("port", &self.port)
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .field("sslrootcert", &self.sslrootcert)
            .field("connect_timeout", &self.connect_timeout)
            .field("application_name", &self.application_name)
            .finish()
    }
}

/// Where the password may come from besides the URL (the environment and
/// the home folder, read once by the caller; tests pass their own).
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// `PGPASSWORD`.
    pub env_password: Option<String>,
    /// `PGPASSFILE`, else `~/.pgpass`.
    pub passfile: Option<PathBuf>,
    /// The user to connect as when the URL names none.
    pub os_user: Option<String>,
}

impl Sources {
    /// As libpq finds them: the environment and the home folder.
    pub fn from_environment() -> Sources {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Sources {
            env_password: var("PGPASSWORD"),
            passfile: var("PGPASSFILE")
                .map(PathBuf::from)
                .or_else(|| var("HOME").map(|home| Path::new(&home).join(".pgpass"))),
            os_user: var("USER").or_else(|| var("LOGNAME")),
        }
    }
}

fn bad(url: &str, why: impl fmt::Display) -> RepoError {
    RepoError::Unavailable(format!("The store {} is not a PostgreSQL URL Shopfront can use: {why}", redacted(url)))
}

/// Reads `url`, finding the password in `sources` when the URL has none.
pub fn parse(url: &str, sources: &Sources) -> Result<ConnInfo, RepoError> {
    let rest = strip_scheme(url).ok_or_else(|| {
        bad(url, "it should start with postgres:// or postgresql:// (postgres://USER@HOST:PORT/DATABASE)")
    })?;
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (userinfo, hostpath) = match main.rfind('@') {
        Some(at) => (Some(&main[..at]), &main[at + 1..]),
        None => (None, main),
    };
    let (hostport, path) = hostpath.split_once('/').unwrap_or((hostpath, ""));
    let decode = |part: &str, what: &str| {
        percent_decode(part).ok_or_else(|| bad(url, format!("its {what} is not valid percent-encoded UTF-8")))
    };

    let (mut user, mut password) = (None, None);
    if let Some(userinfo) = userinfo {
        let (name, pass) = match userinfo.split_once(':') {
            Some((name, pass)) => (name, Some(pass)),
            None => (userinfo, None),
        };
        user = Some(decode(name, "user name")?).filter(|u| !u.is_empty());
        password = pass.map(|p| decode(p, "password")).transpose()?;
    }
    if hostport.contains(',') {
        return Err(bad(url, "it names several hosts; Shopfront connects to one"));
    }
    let (mut host, mut port) = split_host_port(hostport).ok_or_else(|| bad(url, "its host and port cannot be read"))?;
    let mut host = Some(decode(host.take().unwrap_or(""), "host")?).filter(|h| !h.is_empty());
    let mut port_text = port.take().map(str::to_string);
    let mut dbname = Some(decode(path, "database name")?).filter(|d| !d.is_empty());
    let mut sslmode = SslMode::Prefer;
    let mut sslrootcert = None;
    let mut connect_timeout = CONNECT_TIMEOUT;
    let mut application_name = "shopfront".to_string();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key, "parameter name")?;
        let value = decode(value, &format!("parameter {key}"))?;
        match key.as_str() {
            "sslmode" => {
                sslmode = SslMode::parse(&value).ok_or_else(|| {
                    bad(url, format!("sslmode={value} is none of disable, prefer, require, verify-ca, verify-full"))
                })?
            }
            "sslrootcert" => sslrootcert = Some(PathBuf::from(value)),
            "connect_timeout" => {
                let seconds: u64 = value
                    .parse()
                    .map_err(|_| bad(url, format!("connect_timeout={value} is not a number of seconds")))?;
                // libpq: 0 waits forever; here at most a minute, at least 2 s.
                connect_timeout = Duration::from_secs(if seconds == 0 { 60 } else { seconds.clamp(2, 60) });
            }
            "application_name" => application_name = value,
            "host" => host = Some(value).filter(|h| !h.is_empty()),
            "port" => port_text = Some(value),
            "user" => user = Some(value).filter(|u| !u.is_empty()),
            "password" => password = Some(value),
            "dbname" => dbname = Some(value).filter(|d| !d.is_empty()),
            other => return Err(bad(url, format!("it has the parameter {other:?}, which Shopfront does not know"))),
        }
    }
    let port = match port_text.as_deref() {
        None | Some("") => 5432,
        Some(text) => text
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad(url, format!("port {text:?} is not a port number")))?,
    };
    let host = match host {
        Some(path) if path.starts_with('/') => Host::Socket(PathBuf::from(path)),
        Some(name) => Host::Tcp(name),
        None => Host::Socket(default_socket_dir()),
    };
    let user = user
        .or_else(|| sources.os_user.clone())
        .ok_or_else(|| bad(url, "it names no user (postgres://USER@HOST/DATABASE)"))?;
    let dbname = dbname.unwrap_or_else(|| user.clone());
    let mut info =
        ConnInfo { user, password, host, port, dbname, sslmode, sslrootcert, connect_timeout, application_name };
    if info.password.is_none() {
        info.password = sources.env_password.clone();
    }
    if info.password.is_none()
        && let Some(file) = &sources.passfile
    {
        info.password = password_from_file(file, &info);
    }
    Ok(info)
}

fn strip_scheme(url: &str) -> Option<&str> {
    ["postgresql://", "postgres://"].iter().find_map(|scheme| {
        url.get(..scheme.len()).filter(|head| head.eq_ignore_ascii_case(scheme)).map(|_| &url[scheme.len()..])
    })
}

/// `host:port`, `[v6]:port`, `host`, or nothing.
fn split_host_port(text: &str) -> Option<(Option<&str>, Option<&str>)> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?),
        };
        return Some((Some(host), port));
    }
    Some(match text.rsplit_once(':') {
        Some((host, port)) => (Some(host), Some(port)),
        None => (Some(text), None),
    })
}

fn default_socket_dir() -> PathBuf {
    let debian = Path::new("/var/run/postgresql");
    if debian.is_dir() { debian.to_path_buf() } else { PathBuf::from("/tmp") }
}

/// `%XX` decoded; `None` if that is not UTF-8 or an escape is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The password for `info` in a libpq password file: lines of
/// `host:port:database:user:password`, `*` matching anything, `\:` and
/// `\\` escaped; the first that matches. A file that others may read
/// (group or world bits set) is ignored, as libpq does.
pub fn password_from_file(file: &Path, info: &ConnInfo) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() {
        return None;
    }
    if meta.mode() & 0o077 != 0 {
        tracing::warn!(
            file = %file.display(),
            "the password file is readable by others and is ignored; make it private (chmod 600)"
        );
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    // A socket connection matches the host name `localhost`, as in libpq.
    let host = match &info.host {
        Host::Tcp(name) => name.as_str(),
        Host::Socket(_) => "localhost",
    };
    let port = info.port.to_string();
    let wanted = [host, port.as_str(), info.dbname.as_str(), info.user.as_str()];
    text.lines().filter(|line| !line.trim_start().starts_with('#') && !line.trim().is_empty()).find_map(|line| {
        let fields = pgpass_fields(line);
        if fields.len() < 5 {
            return None;
        }
        let matches = wanted.iter().zip(&fields).all(|(want, field)| field == "*" || field == want);
        // The password is the rest of the line (it may hold colons, escaped).
        matches.then(|| fields[4..].join(":"))
    })
}

/// A password file line split at its unescaped colons, escapes removed.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut().expect("one field").push(next);
                }
            }
            ':' => fields.push(String::new()),
            c => fields.last_mut().expect("one field").push(c),
        }
    }
    fields
}

/// `url` cut into its scheme (with `://`), the rest up to the query, and
/// the query (after its `?`); `None` without a scheme.
fn split(url: &str) -> Option<(&str, &str, Option<&str>)> {
    let (head, rest) = url.split_at(url.find("://")? + 3);
    Some(match rest.split_once('?') {
        Some((main, query)) => (head, main, Some(query)),
        None => (head, rest, None),
    })
}

/// `url` without its password (`postgres://ann:secret@db/shop` →
/// `postgres://ann@db/shop`, and no `password=` parameter): what messages
/// and logs show. Works on any text, a URL that does not parse too.
pub fn redacted(url: &str) -> String {
    let Some((head, main, query)) = split(url) else {
        return url.to_string();
    };
    let main = match main.rfind('@') {
        Some(at) => {
            let userinfo = &main[..at];
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{user}@{}", &main[at + 1..])
        }
        None => main.to_string(),
    };
    let mut shown = format!("{head}{main}");
    if let Some(query) = query {
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| {
                let key = pair.split_once('=').map_or(*pair, |(key, _)| key);
                !key.eq_ignore_ascii_case("password")
            })
            .collect();
        if !kept.is_empty() {
            shown.push('?');
            shown.push_str(&kept.join("&"));
        }
    }
    shown
}

/// `url` naming the database `dbname` instead of its own (tests make one
/// database each on the server a URL names).
pub fn with_database(url: &str, dbname: &str) -> String {
    let Some((head, main, query)) = split(url) else {
        return url.to_string();
    };
    let host_start = main.rfind('@').map_or(0, |at| at + 1);
    let authority_end = main[host_start..].find('/').map_or(main.len(), |i| host_start + i);
    let query: Vec<&str> =
        query.into_iter().flat_map(|q| q.split('&')).filter(|pair| !pair.starts_with("dbname=")).collect();
    let mut out = format!("{head}{}/{dbname}", &main[..authority_end]);
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn none() -> Sources {
        Sources { env_password: None, passfile: None, os_user: Some("me".into()) }
    }

    #[test]
    fn urls_are_read_as_libpq_reads_them() {
        let info = parse("postgres://ann:s%40cret:x@db.example.com:6543/shop?sslmode=verify-full", &none()).unwrap();
        assert_eq!(
            (info.user.as_str(), info.password.as_deref(), &info.host, info.port, info.dbname.as_str()),
            ("ann", Some("s@cret:x"), &Host::Tcp("db.example.com".into()), 6543, "shop")
        );
        assert_eq!(info.sslmode, SslMode::VerifyFull);
        let info = parse("postgresql://[::1]/shop", &none()).unwrap();
        assert_eq!((&info.host, info.port, info.user.as_str()), (&Host::Tcp("::1".into()), 5432, "me"));
        assert_eq!(info.sslmode, SslMode::Prefer, "libpq's default");
        let info = parse("postgres://ann@%2Ftmp%2Fpg:5433/shop", &none()).unwrap();
        assert_eq!((&info.host, info.port), (&Host::Socket("/tmp/pg".into()), 5433));
        let info = parse("postgres:///shop?host=/run/pg&user=bo&connect_timeout=3", &none()).unwrap();
        assert_eq!((&info.host, info.user.as_str()), (&Host::Socket("/run/pg".into()), "bo"));
        assert_eq!(info.connect_timeout, Duration::from_secs(3));
        assert_eq!(parse("postgres://ann@db", &none()).unwrap().dbname, "ann", "the user's database by default");
        for wrong in [
            "mysql://ann@db/shop",
            "postgres://ann@db:port/shop",
            "postgres://ann@db/shop?sslmode=maybe",
            "postgres://ann@a,b/shop",
            "postgres://ann@db/shop?colour=red",
        ] {
            let err = parse(wrong, &none()).unwrap_err().to_string();
            assert!(err.contains("not a PostgreSQL URL Shopfront can use"), "{wrong}: {err}");
        }
    }

    #[test]
    fn the_password_comes_from_the_url_then_the_environment_then_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:*:*:*:nope\ndb.example.com:5432:shop:ann:from\\:file\n*:*:*:ann:fallback\nlocalhost:5432:*:*:sock\n",
        )
        .unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let sources = |env: Option<&str>| Sources {
            env_password: env.map(str::to_string),
            passfile: Some(file.clone()),
            os_user: None,
        };
        let password = |url: &str, env: Option<&str>| parse(url, &sources(env)).unwrap().password;
        assert_eq!(password("postgres://ann:url@db.example.com/shop", Some("env")).as_deref(), Some("url"));
        assert_eq!(password("postgres://ann@db.example.com/shop", Some("env")).as_deref(), Some("env"));
        assert_eq!(password("postgres://ann@db.example.com/shop", None).as_deref(), Some("from:file"));
        assert_eq!(password("postgres://ann@db.example.com/other", None).as_deref(), Some("fallback"), "wildcards");
        assert_eq!(password("postgres://bo@%2Frun%2Fpg/x", None).as_deref(), Some("sock"), "a socket is localhost");
        assert_eq!(password("postgres://bo@elsewhere/x", None), None);
        // Readable by others: ignored, as libpq does.
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(password("postgres://ann@db.example.com/shop", None), None);
    }

    #[test]
    fn a_redacted_url_has_no_password() {
        assert_eq!(
            redacted("postgres://ann:s3cret@db:5432/shop?sslmode=require"),
            "postgres://ann@db:5432/shop?sslmode=require"
        );
        assert_eq!(redacted("postgres://ann:p@ss/w@db/shop"), "postgres://ann@db/shop");
        assert_eq!(
            redacted("postgres://db/shop?password=s3cret&sslmode=disable"),
            "postgres://db/shop?sslmode=disable"
        );
        assert_eq!(redacted("postgres://ann@db/shop"), "postgres://ann@db/shop");
        assert_eq!(redacted("not a url"), "not a url");
        let info = parse("postgres://ann:s3cret@db/shop", &none()).unwrap();
        assert!(!format!("{info:?}").contains("s3cret"));
        let err = parse("postgres://ann:s3cret@db/shop?sslmode=nope", &none()).unwrap_err();
        assert!(!format!("{err} {err:?}").contains("s3cret"));
    }

    #[test]
    fn another_database_on_the_same_server() {
        assert_eq!(
            with_database("postgres://a:b@h:1/x?sslmode=disable", "t1"),
            "postgres://a:b@h:1/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://a@h", "t1"), "postgres://a@h/t1");
    }
}
