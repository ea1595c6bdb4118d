//! The central service (`anshin-server`): API, storage, accounts, audit and admin commands.

pub mod auth;
pub mod config;
pub mod db;
pub mod http;
pub mod import;
pub mod listing;

pub use config::ServerConfig;
pub use http::{start, RunningServer};
