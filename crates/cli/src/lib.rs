//! The `ticai` command line: argument parsing and one module per command.
//! Everything here is glue around the library crates.

pub mod cli;
pub mod cmd;
pub mod eval;
pub mod eval_extract;
pub mod input;
pub mod lexicons;
pub mod output;

pub use cli::{Cli, run};
