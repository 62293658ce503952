use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = ticai::Cli::parse();
    match ticai::run(cli) {
        Ok(code) => code,
        Err(err) => {
            if ticai::output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("ticai: {err:#}");
            ExitCode::from(2)
        }
    }
}
