//! The `ticai` command line: argument parsing and one module per command.
//! Everything here is glue around the library crates.

// first: its `outln!` macro is used by the modules below
#[macro_use]
pub mod output;
pub mod cli;
pub mod cmd;
pub mod eval;
pub mod eval_extract;
pub mod eval_regional;
pub mod eval_themes;
pub mod input;
/// The lexicon loading of the pipeline crate (kept here for old paths).
pub use ticai_pipeline::lexicons;
pub mod progress;

pub use cli::{Cli, run};
