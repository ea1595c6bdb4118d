//! The TUI (DESIGN §5.2): keyboard-first lookup during phone calls, and the slip composer.
//!
//! Follow a key press: `runtime` reads it from the terminal and hands it to `app`, which gives
//! it to the top screen of its stack (`screen`: one trait for every screen); the screen's key
//! table (`keymap`) turns it into one of the screen's own actions, and the screen's `update`
//! changes its state and returns effects (`message`) that `runtime` carries out. Screens live
//! in `screens/`, the pieces they draw with in `widgets/`, every string in `text`.

pub mod app;
pub mod context;
mod jobs;
pub mod keymap;
pub mod message;
pub mod runtime;
pub mod screen;
pub mod screens;
pub mod text;
pub mod widgets;

pub use app::App;
pub use runtime::run;

#[cfg(test)]
mod tests;
