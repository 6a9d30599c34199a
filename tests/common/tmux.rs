//! Driving the real binary in tmux: keys with send-keys, the screen with
//! capture-pane.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts the app on the data folder `data_dir` (`--data-dir`) in a
    /// 100×30 terminal; the shell line after it reports its exit code.
    pub fn start(socket: &str, data_dir: &Path) -> Tmux {
        Tmux::start_app(socket, "--data-dir", &data_dir.display().to_string())
    }

    /// Starts the app on `store` (`--store`: a folder, `sqlite:PATH`,
    /// `postgres://…`) in a 100×30 terminal, as `start` does.
    pub fn start_on(socket: &str, store: &str) -> Tmux {
        Tmux::start_app(socket, "--store", store)
    }

    fn start_app(socket: &str, option: &str, value: &str) -> Tmux {
        assert!(!value.contains('\''), "a quote in {value:?} would end the shell word");
        let command = format!("{} {option} '{value}'; echo EXITED=$?; sleep 60", env!("CARGO_BIN_EXE_shopfront"));
        Tmux::run_command(socket, &command, 100, 30)
    }

    /// Runs `command` (a shell line) in a `width`×`height` terminal.
    pub fn run_command(socket: &str, command: &str, width: u16, height: u16) -> Tmux {
        let tmux = Tmux { socket: socket.to_string() };
        let (width, height) = (width.to_string(), height.to_string());
        tmux.run(&["new-session", "-d", "-s", "shop", "-x", &width, "-y", &height, command]);
        tmux
    }

    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .expect("tmux must be installed for the end-to-end test (.ci/run installs it)");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "shop", key]);
        }
    }

    /// Types `text` one key per write, as a person does (a whole string in
    /// one write would hide what happens per message).
    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            // A lone `;` ends a tmux command; escaped it is the key.
            let key = if c == ';' { "\\;".to_string() } else { c.to_string() };
            self.run(&["send-keys", "-t", "shop", "-l", &key]);
        }
    }

    /// From the login form: Ctrl-N, then a new account `name` with
    /// `password` (typed twice) submitted.
    pub fn sign_up(&self, name: &str, password: &str) {
        self.keys(&["C-n"]);
        self.wait_for("Create account");
        self.type_text(name);
        self.keys(&["Tab"]);
        self.type_text(password);
        self.keys(&["Tab"]);
        self.type_text(password);
        self.keys(&["Enter"]);
    }

    /// From the login form, on its name: `name` and `password` submitted.
    pub fn log_in(&self, name: &str, password: &str) {
        self.type_text(name);
        self.keys(&["Tab"]);
        self.type_text(password);
        self.keys(&["Enter"]);
    }

    /// Types `values` into the open form's fields, Tab between them, and saves.
    pub fn fill_form(&self, values: &[&str]) {
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.keys(&["Tab"]);
            }
            // Replace what the field holds (a card form keeps a declined card's expiry).
            self.keys(&["End", "C-u"]);
            if !value.is_empty() {
                self.type_text(value);
            }
        }
        self.keys(&["C-s"]);
    }

    /// From the cart through a new address and the card `number` to the review.
    pub fn to_review(&self, number: &str) {
        self.keys(&["p"]);
        self.wait_for("Shipping address");
        self.fill_form(&["Ada Lovelace", "12 Main St", "", "London", "", "NW1 2AB", "UK", ""]);
        self.wait_for("Pay by card");
        self.keys(&["Tab"]);
        self.fill_form(&[number, "12/39", "123"]);
        self.wait_for("places and pays");
    }

    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "shop"])
    }

    /// Waits until the screen shows `text`; fails with the screen otherwise.
    /// (A capture can land mid-frame, so wait for text only the awaited
    /// frame can show.)
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |screen| screen.contains(text))
    }

    pub fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; the screen shows:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        self.run(&["kill-server"]);
    }
}
