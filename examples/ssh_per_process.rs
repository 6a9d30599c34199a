//! A generic SSH server that starts one `shopfront` process per connection
//! in a pseudo-terminal, as a shop owner would with sshd and ForceCommand:
//! the baseline `ssh_load` compares `shopfront serve` against.
//!
//! ```sh
//! cargo build --release --bin shopfront --examples
//! target/release/examples/ssh_per_process --data-dir DIR \
//!     [--listen 127.0.0.1:0] [--bin target/release/shopfront]
//! ```
//!
//! Built on the same SSH crate as `serve` (russh, `ring` backend, the same
//! `nodelay`). Any client is let in (the shop's own form asks who it is).
//! For a session channel with a pty and a shell request it opens a pty
//! (`openpty`, the client's size), starts `shopfront --data-dir DIR` on it
//! (its own session, the pty as controlling terminal, `TERM` as the client
//! asked), and pipes bytes both ways; window changes set the pty's size
//! (`TIOCSWINSZ`, the kernel signals the program). When the program exits,
//! the channel gets its exit status and closes; when the client goes, the
//! program gets SIGHUP. Prints `Listening on ssh://ADDRESS` first; SIGTERM
//! or SIGINT ends every program and the server.

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::server::{Auth, Handle, Handler, Msg, Server as _, Session};
use russh::{Channel, ChannelId, Pty};
use tokio::io::unix::AsyncFd;

/// What every connection shares.
struct Setup {
    binary: PathBuf,
    data: PathBuf,
    /// Programs running, ended with the server.
    children: Mutex<HashSet<i32>>,
}

#[derive(Clone)]
struct PerProcess(Arc<Setup>);

impl russh::server::Server for PerProcess {
    type Handler = Connection;

    fn new_client(&mut self, _peer: Option<SocketAddr>) -> Connection {
        Connection { setup: Arc::clone(&self.0), pty: None, running: None }
    }
}

/// One program on its pty.
struct Running {
    master: Arc<AsyncFd<OwnedFd>>,
    pid: i32,
}

struct Connection {
    setup: Arc<Setup>,
    /// TERM, columns and rows from the pty request.
    pty: Option<(String, u16, u16)>,
    running: Option<Running>,
}

fn methods() -> russh::MethodSet {
    russh::MethodSet::from(
        &[russh::MethodKind::PublicKey, russh::MethodKind::KeyboardInteractive, russh::MethodKind::Password][..],
    )
}

fn side(n: u32) -> u16 {
    n.clamp(1, 1000) as u16
}

fn last_error<T>() -> io::Result<T> {
    Err(io::Error::last_os_error())
}

/// Marks `fd` close-on-exec (and non-blocking if asked).
fn set_flags(fd: i32, nonblocking: bool) -> io::Result<()> {
    unsafe {
        if libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) < 0 {
            return last_error();
        }
        if nonblocking {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
                return last_error();
            }
        }
    }
    Ok(())
}

fn set_size(fd: i32, columns: u16, rows: u16) {
    let size = libc::winsize { ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0 };
    unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &size) };
}

/// Starts the program on a new pty; returns the pty's master side and the pid.
fn spawn(setup: &Setup, term: &str, columns: u16, rows: u16) -> io::Result<(OwnedFd, std::process::Child)> {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize { ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0 };
    if unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), &size) } < 0 {
        return last_error();
    }
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    // Other sessions' programs must not inherit this pty.
    set_flags(master.as_raw_fd(), true)?;
    set_flags(slave.as_raw_fd(), false)?;
    let mut command = std::process::Command::new(&setup.binary);
    command
        .arg("--data-dir")
        .arg(&setup.data)
        .env("TERM", term)
        .stdin(slave.try_clone()?)
        .stdout(slave.try_clone()?)
        .stderr(slave);
    unsafe {
        command.pre_exec(|| {
            // A session of its own, with the pty (now stdin) as its terminal.
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return last_error();
            }
            Ok(())
        });
    }
    let child = command.spawn()?;
    Ok((master, child))
}

/// Copies the program's output to the channel until it exits, then closes the channel.
async fn pump(master: Arc<AsyncFd<OwnedFd>>, child: std::process::Child, handle: Handle, channel: ChannelId) {
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let Ok(mut ready) = master.readable().await else { break };
        let read = ready.try_io(|fd| {
            let n = unsafe { libc::read(fd.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
            if n < 0 { last_error() } else { Ok(n as usize) }
        });
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => break, // EIO: the program and all its copies of the pty are gone
            Ok(Ok(n)) => {
                if handle.data(channel, bytes::Bytes::copy_from_slice(&buffer[..n])).await.is_err() {
                    break;
                }
            }
            Err(_would_block) => continue,
        }
    }
    let mut child = child;
    let status = tokio::task::spawn_blocking(move || child.wait()).await;
    let code = match status {
        Ok(Ok(status)) => status.code().unwrap_or(1) as u32,
        _ => 1,
    };
    let _ = handle.exit_status_request(channel, code).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}

/// Writes all of `bytes` to the pty.
async fn write_all(master: &AsyncFd<OwnedFd>, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        let mut ready = master.writable().await?;
        match ready.try_io(|fd| {
            let n = unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
            if n < 0 { last_error() } else { Ok(n as usize) }
        }) {
            Ok(Ok(n)) => bytes = &bytes[n..],
            Ok(Err(e)) => return Err(e),
            Err(_would_block) => continue,
        }
    }
    Ok(())
}

impl Connection {
    fn hang_up(&mut self) {
        if let Some(running) = self.running.take() {
            unsafe { libc::kill(running.pid, libc::SIGHUP) };
            self.setup.children.lock().unwrap_or_else(|p| p.into_inner()).remove(&running.pid);
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.hang_up();
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Reject { proceed_with_methods: Some(methods()), partial_success: false })
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        _user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_publickey(&mut self, _user: &str, _key: &russh::keys::PublicKey) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // As `serve` does: the handler methods get every message, so
        // russh's per-channel queue (which nobody would read) is dropped.
        drop(channel);
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        columns: u32,
        rows: u32,
        _: u32,
        _: u32,
        _: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.pty = Some((term.to_string(), side(columns), side(rows)));
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let Some((term, columns, rows)) = self.pty.clone() else {
            return session.channel_failure(channel);
        };
        if self.running.is_some() {
            return session.channel_failure(channel);
        }
        let started = spawn(&self.setup, &term, columns, rows).and_then(|(master, child)| {
            // SAFETY: the descriptor is owned by the AsyncFd and closed only when it is dropped.
            let master = unsafe { AsyncFd::register(master) }.map_err(io::Error::from)?;
            Ok((master, child))
        });
        match started {
            Ok((master, child)) => {
                let master = Arc::new(master);
                let pid = child.id() as i32;
                self.setup.children.lock().unwrap_or_else(|p| p.into_inner()).insert(pid);
                self.running = Some(Running { master: Arc::clone(&master), pid });
                session.channel_success(channel)?;
                tokio::spawn(pump(master, child, session.handle(), channel));
                Ok(())
            }
            Err(e) => {
                eprintln!("ssh_per_process: cannot start {}: {e}", self.setup.binary.display());
                session.channel_failure(channel)
            }
        }
    }

    async fn data(&mut self, _channel: ChannelId, data: &[u8], _session: &mut Session) -> Result<(), Self::Error> {
        if let Some(running) = &self.running {
            let _ = write_all(&running.master, data).await;
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        _channel: ChannelId,
        columns: u32,
        rows: u32,
        _: u32,
        _: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(running) = &self.running {
            set_size(running.master.as_raw_fd(), side(columns), side(rows));
        }
        Ok(())
    }

    async fn channel_eof(&mut self, _channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        self.hang_up();
        Ok(())
    }

    async fn channel_close(&mut self, _channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        self.hang_up();
        Ok(())
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut listen, mut binary, mut data) =
        ("127.0.0.1:0".to_string(), PathBuf::from("target/release/shopfront"), None);
    while let Some(flag) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => listen = value(),
            "--bin" => binary = PathBuf::from(value()),
            "--data-dir" => data = Some(PathBuf::from(value())),
            other => panic!("unknown option {other}; see the header of examples/ssh_per_process.rs"),
        }
    }
    let data = data.expect("--data-dir DIR");
    let setup = Arc::new(Setup { binary, data, children: Mutex::default() });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let mut seed = [0u8; 32];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom").expect("/dev/urandom"), &mut seed)
            .expect("random bytes");
        let key = PrivateKey::new(KeypairData::from(Ed25519Keypair::from_seed(&seed)), "baseline").expect("a key");
        let config = russh::server::Config {
            keys: vec![key],
            methods: methods(),
            auth_rejection_time: Duration::from_millis(300),
            auth_rejection_time_initial: Some(Duration::ZERO),
            nodelay: true,
            ..Default::default()
        };
        let listener = tokio::net::TcpListener::bind(&listen).await.expect("a listening socket");
        let address = listener.local_addr().expect("its address");
        println!("Listening on ssh://{address}");
        let mut server = PerProcess(Arc::clone(&setup));
        let running = server.run_on_socket(Arc::new(config), &listener);
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
        tokio::select! {
            result = running => { let _ = result; }
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    for pid in setup.children.lock().unwrap_or_else(|p| p.into_inner()).drain() {
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
}
