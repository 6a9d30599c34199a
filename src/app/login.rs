//! Log in and create account.

use std::time::Instant;

use super::*;

impl App {
    // ---- login ----

    pub(super) fn update_login(&mut self, action: Action) {
        let form = &mut self.login;
        match action {
            Action::NextField => form.focus = (form.focus + 1) % form.field_count(),
            Action::PrevField => form.focus = (form.focus + form.field_count() - 1) % form.field_count(),
            Action::ToggleLoginForm => {
                form.mode = match form.mode {
                    LoginMode::LogIn => LoginMode::CreateAccount,
                    LoginMode::CreateAccount => LoginMode::LogIn,
                };
                form.focus = 0;
                form.error = None;
                form.clear_passwords();
            }
            Action::Submit if form.focus + 1 < form.field_count() => form.focus += 1,
            Action::Submit => self.submit_login(),
            Action::Edit(request) => {
                edit_input(form.focused_input(), request);
            }
            Action::Paste(text) => paste_into(form.focused_input(), &text),
            _ => {}
        }
    }

    pub(super) fn submit_login(&mut self) {
        let form = &mut self.login;
        let username = form.username.value().trim().to_string();
        let password = form.password.value().to_string();
        if username.is_empty() {
            form.error = Some(Refusal::NoUsername.to_string());
            form.focus = 0;
            return;
        }
        let request = match form.mode {
            LoginMode::LogIn => Ok(Request::LogIn { username, password, origin: self.origin.clone() }),
            LoginMode::CreateAccount => {
                // The form's own checks first, in the order of its fields.
                let confirmed = password == form.confirm.value();
                crate::domain::user::validate_username(&username)
                    .and_then(|()| crate::domain::user::validate_password(&password))
                    .and_then(|()| confirmed.then_some(()).ok_or(crate::domain::UserError::PasswordMismatch))
                    .map(|()| Request::CreateAccount { username, password })
                    .map_err(ShopError::from)
            }
        };
        match request {
            // A login sent: the password leaves the form (a retry types it
            // again). A new account's stay until it is made: a refusal
            // ("That username is taken") needs only the name changed.
            Ok(request) => {
                if matches!(request, Request::LogIn { .. }) {
                    self.login.clear_passwords();
                }
                // The worker says how long it waits its turn, if at all
                // (`login_waits`): asking the store here could hold the screen.
                self.request(request);
            }
            // A field to fix: keep what was typed in the others.
            Err(err) => self.login_failed(err),
        }
    }

    /// A login or a new account went through: into the shop.
    /// Sessions over SSH: where the client connects from (failed logins
    /// from one address wait longer and longer).
    pub fn set_origin(&mut self, address: String) {
        self.origin = Some(address);
    }

    /// Sessions over SSH: the client's key. A key linked to a shopper's
    /// account logs the session straight in; an admin's never does.
    pub fn use_ssh_key(&mut self, fingerprint: String) {
        self.ssh_key = Some(fingerprint.clone());
        self.request(Request::KeyLogin { fingerprint });
    }

    pub(super) fn key_account(&mut self, account: Option<Session>) {
        match account {
            Some(account) if account.role() == crate::domain::Role::Customer && self.session.is_none() => {
                self.key_linked = true;
                let name = account.username().to_string();
                self.logged_in(account);
                self.info(format!("Logged in as {name} with your SSH key"));
                // Read the account's cart and orders now that it is this session's.
                self.request(Request::Refresh {});
            }
            Some(admin) if self.session.is_none() => {
                self.login.username = Input::new(admin.username().to_string());
                self.login.focus = 1;
                self.info(format!("{} is an admin account: log in with its password", admin.username()));
            }
            _ => {}
        }
    }

    pub(super) fn logged_in(&mut self, account: Session) {
        self.login.checked_at = None;
        let created = self.login.mode == LoginMode::CreateAccount;
        let greeting = if created { "Account created — welcome" } else { "Welcome back" };
        self.info(format!("{greeting}, {}", account.username()));
        // A shopper who logs in with a password over SSH gets their key linked.
        if let Some(fingerprint) = self.ssh_key.clone().filter(|_| !self.key_linked)
            && account.role() == crate::domain::Role::Customer
        {
            self.request_as(&account, Request::LinkKey { fingerprint });
        }
        self.session = Some(account);
        self.login = LoginForm::default();
        self.screen = Screen::Catalog;
        self.admin_products.built_from = u64::MAX;
        self.orders_generation += 1;
        self.refresh_views();
    }

    /// The login sent waits its turn until `until` (failed logins hold it
    /// back): counted down on screen, instead of a long "Working…".
    pub(super) fn login_waits(&mut self, until: Instant) {
        if self.session.is_none() {
            self.login.checked_at = Some(until);
        }
    }

    /// What the login form says while a login waits its turn.
    pub fn login_wait_notice(&self) -> Option<String> {
        let left = self.login.checked_at?.checked_duration_since(Instant::now())?;
        let seconds = left.as_secs() + 1;
        // A no-break space keeps "5 s" on one line.
        Some(format!("Too many failed logins — checking your password in {seconds}\u{a0}s"))
    }

    pub(super) fn login_failed(&mut self, err: ShopError) {
        self.login.checked_at = None;
        let form = &mut self.login;
        form.focus = if matches!(
            err,
            ShopError::User(
                crate::domain::UserError::UsernameTaken
                    | crate::domain::UserError::UsernameLength
                    | crate::domain::UserError::UsernameCharacters
            )
        ) {
            0
        } else {
            1
        };
        form.error = Some(err.to_string());
    }
}
