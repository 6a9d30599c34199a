//! A scripted shopper over SSH (russh's client): connects to `shopfront
//! serve`, types keys, and reads the screen through a terminal emulator
//! (vt100), as a person reads it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::client;
use russh::keys::PublicKeyOrCertificate;
use tokio::sync::Notify;

pub struct Trusting;

/// An SSH connection (not yet logged in) from the loopback address `from`.
pub async fn ssh_session(port: u16, from: &str) -> Result<client::Handle<Trusting>, String> {
    let source: std::net::IpAddr = from.parse().map_err(|e| format!("{from}: {e}"))?;
    ssh_session_to(([127, 0, 0, 1], port).into(), Some(source)).await
}

/// An SSH connection to `server`, from `from` if given.
pub async fn ssh_session_to(
    server: std::net::SocketAddr,
    from: Option<std::net::IpAddr>,
) -> Result<client::Handle<Trusting>, String> {
    let config = Arc::new(client::Config { nodelay: true, ..Default::default() });
    let stream = tcp_to(server, from).await?;
    client::connect_stream(config, stream, Trusting).await.map_err(|e| e.to_string())
}

/// A TCP connection to the server from the loopback address `from`.
pub async fn tcp_from(port: u16, from: &str) -> Result<tokio::net::TcpStream, String> {
    let source: std::net::IpAddr = from.parse().map_err(|e| format!("{from}: {e}"))?;
    tcp_to(([127, 0, 0, 1], port).into(), Some(source)).await
}

/// A TCP connection to `server`, from the address `from` if given.
async fn tcp_to(server: std::net::SocketAddr, from: Option<std::net::IpAddr>) -> Result<tokio::net::TcpStream, String> {
    let socket = if server.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() };
    let socket = socket.map_err(|e| e.to_string())?;
    if let Some(source) = from {
        socket.bind((source, 0).into()).map_err(|e| format!("bind {source}: {e}"))?;
    }
    let stream = socket.connect(server).await.map_err(|e| format!("connect {server}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    Ok(stream)
}

impl client::Handler for Trusting {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

pub struct Shopper {
    channel: russh::ChannelWriteHalf<client::Msg>,
    screen: Arc<Mutex<vt100::Parser>>,
    changed: Arc<Notify>,
    /// When the last key was sent, and when the screen changed after it.
    pub sent_at: Instant,
    pub latencies: Vec<Duration>,
    _session: client::Handle<Trusting>,
}

impl Shopper {
    /// Connects without a key (the shop's login form decides who it is).
    pub async fn connect(port: u16, width: u16, height: u16) -> Result<Shopper, String> {
        Shopper::connect_from(port, "127.0.0.1", "xterm-256color", width, height).await
    }

    /// Connects from the loopback address `from` (any of 127.0.0.0/8), with
    /// `term` as its TERM.
    pub async fn connect_from(port: u16, from: &str, term: &str, width: u16, height: u16) -> Result<Shopper, String> {
        let source: std::net::IpAddr = from.parse().map_err(|e| format!("{from}: {e}"))?;
        Shopper::connect_to(([127, 0, 0, 1], port).into(), Some(source), term, width, height).await
    }

    /// Connects to `server` (any machine), from the address `from` if given.
    pub async fn connect_to(
        server: std::net::SocketAddr,
        from: Option<std::net::IpAddr>,
        term: &str,
        width: u16,
        height: u16,
    ) -> Result<Shopper, String> {
        let mut session = ssh_session_to(server, from).await?;
        let auth = session.authenticate_password("shopper", "-").await.map_err(|e| e.to_string())?;
        if !auth.success() {
            return Err("not let in".into());
        }
        let channel = session.channel_open_session().await.map_err(|e| e.to_string())?;
        channel
            .request_pty(false, term, u32::from(width), u32::from(height), 0, 0, &[])
            .await
            .map_err(|e| e.to_string())?;
        channel.request_shell(false).await.map_err(|e| e.to_string())?;
        let (mut reader, writer) = channel.split();
        // A client may claim a huge terminal; the screen we read keeps what the shop can draw.
        let screen = Arc::new(Mutex::new(vt100::Parser::new(height.min(200), width, 0)));
        let changed = Arc::new(Notify::new());
        let (parser, notify) = (Arc::clone(&screen), Arc::clone(&changed));
        tokio::spawn(async move {
            while let Some(message) = reader.wait().await {
                if let russh::ChannelMsg::Data { data } = message {
                    parser.lock().unwrap_or_else(|p| p.into_inner()).process(&data);
                    notify.notify_waiters();
                }
            }
            notify.notify_waiters();
        });
        Ok(Shopper {
            channel: writer,
            screen,
            changed,
            sent_at: Instant::now(),
            latencies: Vec::new(),
            _session: session,
        })
    }

    /// A client that opens the shop and then never reads what it is sent.
    pub async fn stalled(port: u16, from: &str) -> Result<client::Handle<Trusting>, String> {
        let mut session = ssh_session(port, from).await?;
        session.authenticate_password("stalled", "-").await.map_err(|e| e.to_string())?;
        let channel = session.channel_open_session().await.map_err(|e| e.to_string())?;
        channel.request_pty(false, "xterm", 300, 100, 0, 0, &[]).await.map_err(|e| e.to_string())?;
        channel.request_shell(false).await.map_err(|e| e.to_string())?;
        // The channel is kept but never read.
        std::mem::forget(channel);
        Ok(session)
    }

    pub fn screen(&self) -> String {
        self.screen.lock().unwrap_or_else(|p| p.into_inner()).screen().contents()
    }

    /// Types `bytes` one key per write, as a person typing with the stock
    /// client does (every key its own SSH message).
    pub async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        for key in keys(bytes) {
            self.sent_at = Instant::now();
            self.channel.data(key).await.map_err(|e| format!("send: {e:?}"))?;
        }
        Ok(())
    }

    /// Sends `bytes` in one write (a paste without bracketed paste).
    pub async fn send_at_once(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.sent_at = Instant::now();
        self.channel.data(bytes).await.map_err(|e| format!("send: {e:?}"))
    }

    /// Tells the server the terminal is now `width`×`height`.
    pub async fn resize(&mut self, width: u16, height: u16) -> Result<(), String> {
        self.screen.lock().unwrap_or_else(|p| p.into_inner()).set_size(height.min(200), width);
        self.channel
            .window_change(u32::from(width), u32::from(height), 0, 0)
            .await
            .map_err(|e| format!("window change: {e:?}"))
    }

    /// Waits until the screen shows any of `texts`; returns which.
    pub async fn wait_for_any(&mut self, texts: &[&str], timeout: Duration) -> Result<usize, String> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            let screen = self.screen();
            if let Some(found) = texts.iter().position(|t| screen.contains(t)) {
                self.latencies.push(self.sent_at.elapsed());
                return Ok(found);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                return Err(format!("waited for {texts:?}; the screen shows:\n{screen}"));
            }
        }
    }

    pub async fn wait_for(&mut self, text: &str) -> Result<(), String> {
        self.wait_for_any(&[text], Duration::from_secs(30)).await.map(drop)
    }

    /// Signs up as `name`, adds the first product, and checks out with the
    /// test card: `Ok(true)` if the order was placed, `Ok(false)` if the
    /// shop said it could not be (stock ran out meanwhile).
    /// From the login screen: a new account `name` (password `pass-NAME`).
    pub async fn sign_up(&mut self, name: &str) -> Result<(), String> {
        self.wait_for("Log in").await?;
        self.send(b"\x0e").await?;
        self.wait_for("Create account").await?;
        self.send(format!("{name}\tpass-{name}\tpass-{name}\r").as_bytes()).await?;
        self.wait_for("Account created").await
    }

    pub async fn sign_up_and_buy(&mut self, name: &str) -> Result<bool, String> {
        self.sign_up(name).await?;
        self.send(b"/").await?;
        self.send(b"lamp").await?;
        self.wait_for("1 of").await?;
        self.send(b"\ra").await?;
        let added = self.wait_for_any(&["Added 1", "out of stock", "Out of stock"], Duration::from_secs(30)).await?;
        if added != 0 {
            return Ok(false);
        }
        self.send(b"c").await?;
        self.wait_for("checks out").await?;
        self.send(b"p").await?;
        // The lamp may have sold out meanwhile: `p` says so at once.
        let step =
            self.wait_for_any(&["Shipping address", "Your order was not placed"], Duration::from_secs(30)).await?;
        if step == 1 {
            return Ok(false);
        }
        self.send(b"Ada Lovelace\t12 Main St\t\tLondon\t\tNW1 2AB\tUK\t\x13").await?;
        self.wait_for("Pay by card").await?;
        self.send(b"\t4242 4242 4242 4242\t12/39\t123\x13").await?;
        self.wait_for("places and pays").await?;
        self.send(b"y").await?;
        let outcome =
            self.wait_for_any(&["placed and paid", "Your order was not placed"], Duration::from_secs(30)).await?;
        Ok(outcome == 0)
    }
}

/// A process's resident memory in KiB (0 if it cannot be read).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `bytes` cut into keys: an escape sequence (`ESC [ … final`, `ESC O x`)
/// is one key, any other character (UTF-8) is one key.
pub fn keys(bytes: &[u8]) -> Vec<&[u8]> {
    let mut keys = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let mut end = start + 1;
        match (bytes[start], bytes.get(start + 1)) {
            (0x1b, Some(b'[')) => {
                end = start + 2;
                while end < bytes.len() && !(0x40..=0x7e).contains(&bytes[end]) {
                    end += 1;
                }
                end = (end + 1).min(bytes.len());
            }
            (0x1b, Some(b'O')) => end = (start + 3).min(bytes.len()),
            (lead, _) if lead >= 0xc0 => {
                while end < bytes.len() && bytes[end] & 0xc0 == 0x80 {
                    end += 1;
                }
            }
            _ => {}
        }
        keys.push(&bytes[start..end]);
        start = end;
    }
    keys
}

/// A running `shopfront serve` on a free port of 127.0.0.1, stopped with
/// SIGTERM when dropped.
pub struct ServeProcess {
    child: std::process::Child,
    pub port: u16,
    /// The host key's fingerprint, `SHA256:…`, as the server announced it.
    pub fingerprint: String,
    /// Kept open: the server may still write to it.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl ServeProcess {
    /// Starts `binary` serving `data` (a data folder, or any `--store`:
    /// `sqlite:PATH`, `postgres://…`) with `options` after `serve --listen
    /// 127.0.0.1:0`, and reads the port from the line it prints first.
    pub fn start(binary: &str, data: impl AsRef<std::ffi::OsStr>, options: &[&str]) -> ServeProcess {
        ServeProcess::start_with(binary, data, options, None, None)
    }

    /// The same, its log (stderr) written to `log`, and at most `open_files`
    /// file descriptors (soft and hard limit) if given.
    pub fn start_with(
        binary: &str,
        data: impl AsRef<std::ffi::OsStr>,
        options: &[&str],
        log: Option<&std::path::Path>,
        open_files: Option<u64>,
    ) -> ServeProcess {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let stderr = match log {
            Some(path) => std::process::Stdio::from(std::fs::File::create(path).expect("the log file")),
            None => std::process::Stdio::null(),
        };
        let mut command = std::process::Command::new(binary);
        command
            .arg("--store")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(options)
            .stdout(std::process::Stdio::piped())
            .stderr(stderr);
        if let Some(limit) = open_files {
            // SAFETY: setrlimit is async-signal-safe; it only reads the struct.
            unsafe {
                command.pre_exec(move || {
                    let wanted = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let mut child = command.spawn().unwrap_or_else(|e| panic!("start {binary}: {e}"));
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("the server says where it listens");
        // "Shopfront is open on ssh://127.0.0.1:PORT — host key SHA256:…"
        assert!(first.contains("host key SHA256:"), "{first}");
        let port = first
            .split("ssh://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        let fingerprint = first
            .split("host key ")
            .nth(1)
            .map(|rest| rest.trim().to_string())
            .unwrap_or_else(|| panic!("no fingerprint in {first:?}"));
        ServeProcess { child, port, fingerprint, _stdout: stdout }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the server is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGTERM, then how the server exited.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.child.wait().expect("the server exits")
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}
