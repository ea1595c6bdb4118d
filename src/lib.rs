//! あんしんリンク (Anshin Link): the directory model shared by the client and the central
//! service, the demo-data generator, and — with the `server` feature — the service itself.

pub mod api;
pub mod availability;
pub mod demo;
pub mod directory;
pub mod listing;
pub mod search;
pub mod slip;

pub mod client;
pub mod tui;

pub mod cli;

#[cfg(feature = "server")]
pub mod server;

#[cfg(test)]
mod module_graph_tests;
