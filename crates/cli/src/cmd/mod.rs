//! One module per `ticai` command.

pub mod curate;
pub mod extract;
pub mod fetch;
pub mod inspect;
pub mod lexicon;
pub mod run;
pub mod segment;
pub mod serve;
pub mod store;
pub mod tag;
pub mod trends;
