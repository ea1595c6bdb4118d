//! The contact slip (あんしんリンク連絡票, DESIGN §6): what keeps patients safe. The slip file
//! (model), the personal-information detector, the rules, the exports, and where the composer
//! keeps drafts and the sent-log.

pub mod dates;
pub mod detect;
pub mod drafts;
pub mod export;
pub mod model;
pub mod outbox;
pub mod pdf;
pub mod rules;
pub mod sent_log;
