//! The contact slip (あんしんリンク連絡票, DESIGN §6): what keeps patients safe. So far: the
//! personal-information detector behind `anshin lint` (and, next, rule R7).

pub mod detect;
pub mod export;
pub mod model;
pub mod pdf;
pub mod rules;
