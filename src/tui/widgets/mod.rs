//! Pieces the screens draw with, below every screen: a text field with readline keys, a popup
//! box, a small form, a person's card, the weekly grid, folding and shortening text.

pub mod fold;
pub mod form;
pub mod person_card;
pub mod popup;
pub mod text_field;
pub mod week_grid;
