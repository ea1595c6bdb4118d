//! Every screen of the TUI, each with its own actions, keys, state and drawing.

pub mod composer;
pub mod filters;
pub mod help;
pub mod listing;
pub mod lock;
pub mod login;
pub mod one_line;
pub mod password;
pub mod phone_memo;
pub mod review;
pub mod search;
pub mod slips;
