//! Log in and create account.

use std::time::Instant;

use super::component::{Component, Effect};
use super::*;

/// What the login form reads of the app: where the session comes from
/// (failed logins from one address wait longer and longer).
pub struct LoginCtx<'a> {
    pub origin: Option<&'a str>,
}

impl Component<LoginCtx<'_>> for LoginForm {
    fn contexts(&self, _ctx: &LoginCtx) -> Vec<Context> {
        vec![Context::Login]
    }

    fn available(&self, _action: &Action, _ctx: &LoginCtx) -> bool {
        true
    }

    fn handle(&mut self, action: Action, ctx: &LoginCtx) -> Vec<Effect> {
        match action {
            Action::NextField => self.focus = (self.focus + 1) % self.field_count(),
            Action::PrevField => self.focus = (self.focus + self.field_count() - 1) % self.field_count(),
            Action::ToggleLoginForm => {
                self.mode = match self.mode {
                    LoginMode::LogIn => LoginMode::CreateAccount,
                    LoginMode::CreateAccount => LoginMode::LogIn,
                };
                self.focus = 0;
                self.error = None;
                self.clear_passwords();
            }
            Action::Submit if self.focus + 1 < self.field_count() => self.focus += 1,
            Action::Submit => return self.submitted(ctx).into_iter().collect(),
            Action::Edit(request) => {
                edit_input(self.focused_input(), request);
            }
            Action::Paste(text) => paste_into(self.focused_input(), &text),
            _ => {}
        }
        Vec::new()
    }
}

impl LoginForm {
    /// The login or sign-up to send, once the form's own checks pass
    /// (otherwise the form says what to fix).
    fn submitted(&mut self, ctx: &LoginCtx) -> Option<Effect> {
        let username = self.username.value().trim().to_string();
        let password = self.password.value().to_string();
        if username.is_empty() {
            self.error = Some(Refusal::NoUsername.to_string());
            self.focus = 0;
            return None;
        }
        let origin = ctx.origin.map(str::to_string);
        let request = match self.mode {
            LoginMode::LogIn => Ok(Request::LogIn { username, password, origin }),
            LoginMode::CreateAccount => {
                // The form's own checks first, in the order of its fields.
                let confirmed = password == self.confirm.value();
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
            // The worker says how long it waits its turn, if at all
            // (`login_waits`): asking the store here could hold the screen.
            Ok(request) => {
                if matches!(request, Request::LogIn { .. }) {
                    self.clear_passwords();
                }
                Some(Effect::Ask(request))
            }
            // A field to fix: keep what was typed in the others.
            Err(err) => {
                self.refused(&err);
                None
            }
        }
    }

    /// Says why the login or sign-up failed, the focus on the field to fix.
    pub fn refused(&mut self, err: &ShopError) {
        self.checked_at = None;
        use crate::domain::UserError::{UsernameCharacters, UsernameLength, UsernameTaken};
        let on_name = matches!(err, ShopError::User(UsernameTaken | UsernameLength | UsernameCharacters));
        self.focus = if on_name { 0 } else { 1 };
        self.error = Some(err.to_string());
    }
}

impl App {
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

    pub(super) fn key_login(&mut self, opened: Option<KeyLogin>) {
        match opened {
            Some(KeyLogin::Shopper(account)) if self.session.is_none() => {
                self.key_linked = true;
                let name = account.username().to_string();
                self.logged_in(account);
                self.info(format!("Logged in as {name} with your SSH key"));
                // Read the account's cart and orders now that it is this session's.
                self.request(Request::Refresh {});
            }
            Some(KeyLogin::AdminNeedsPassword(admin)) if self.session.is_none() => {
                self.info(format!("{admin} is an admin account: log in with its password"));
                self.login.username = Input::new(admin);
                self.login.focus = 1;
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
        self.login.refused(&err);
    }
}

#[cfg(test)]
mod tests {
    use tui_input::InputRequest;

    use super::*;

    fn type_text(form: &mut LoginForm, text: &str) {
        for c in text.chars() {
            form.handle(Action::Edit(InputRequest::InsertChar(c)), &LoginCtx { origin: None });
        }
    }

    #[test]
    fn a_login_is_asked_for_from_where_the_session_comes_and_the_password_leaves_the_form() {
        let ctx = LoginCtx { origin: Some("203.0.113.9") };
        let mut form = LoginForm::default();
        type_text(&mut form, "  ann ");
        assert_eq!(form.handle(Action::Submit, &ctx), vec![], "Enter on the name moves to the password");
        type_text(&mut form, "pw-1234567");
        let effects = form.handle(Action::Submit, &ctx);
        let expected = Request::LogIn {
            username: "ann".into(),
            password: "pw-1234567".into(),
            origin: Some("203.0.113.9".into()),
        };
        assert_eq!(effects, vec![Effect::Ask(expected)]);
        assert_eq!(form.password.value(), "", "a retry types it again");
        assert_eq!(form.username.value(), "  ann ");
    }

    #[test]
    fn a_sign_up_is_checked_by_the_form_before_anything_is_sent() {
        let ctx = LoginCtx { origin: None };
        let mut form = LoginForm::default();
        form.handle(Action::ToggleLoginForm, &ctx);
        assert_eq!(form.field_count(), 3);
        type_text(&mut form, "bob");
        form.handle(Action::NextField, &ctx);
        type_text(&mut form, "long-enough-1");
        form.handle(Action::NextField, &ctx);
        type_text(&mut form, "long-enough-2");
        assert_eq!(form.handle(Action::Submit, &ctx), vec![], "the passwords differ");
        assert_eq!(form.focus, 1, "back to the password");
        assert!(form.error.is_some());
        assert_eq!(form.password.value(), "long-enough-1", "kept to fix");
        form.focus = 2;
        form.confirm.reset();
        type_text(&mut form, "long-enough-1");
        let effects = form.handle(Action::Submit, &ctx);
        let expected = Request::CreateAccount { username: "bob".into(), password: "long-enough-1".into() };
        assert_eq!(effects, vec![Effect::Ask(expected)]);
    }

    #[test]
    fn no_name_asks_for_one() {
        let mut form = LoginForm { focus: 1, ..LoginForm::default() };
        assert_eq!(form.handle(Action::Submit, &LoginCtx { origin: None }), vec![]);
        assert_eq!((form.focus, form.error.as_deref()), (0, Some(Refusal::NoUsername.to_string().as_str())));
    }
}
