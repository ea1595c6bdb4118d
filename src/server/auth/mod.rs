//! Passwords, session tokens, two-factor codes and login throttling (DESIGN §4).

mod gate;
mod once_per_window;
mod password;
mod throttle;
mod token;
pub mod two_factor;

pub use crate::server::db::Throttled;
pub use gate::{Busy, PasswordGate};
pub use once_per_window::OncePerWindow;
pub use password::{
    check_new_password, check_password_policy, hash_password, verify_against_dummy, verify_password,
};
pub use throttle::{account_wait, key as throttle_key, LoginThrottle, Reserved};
pub use token::{hash_token, new_token};
