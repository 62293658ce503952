//! `ticai serve`: a thin layer over `ticai_server`.

use crate::cmd::store::{Store, data_dir};
use anyhow::{Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port; the address is printed).
    /// The default binds the loopback interface only: put a reverse proxy
    /// with authentication in front of it for a team (see the README).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Per-request time limit in seconds.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Evidence spans per tag in an article view (the page loads more on
    /// request; at most 1000).
    #[arg(long, default_value_t = ticai_pipeline::ARTICLE_EVIDENCE as u64,
          value_parser = clap::value_parser!(u64).range(1..=ticai_server::MAX_EVIDENCE_LIMIT as u64))]
    pub max_evidence: u64,
}

pub fn run(args: ServeArgs, data: Option<&Path>, lexicon: Option<&Path>) -> Result<ExitCode> {
    let data = data_dir(data)?;
    let store = Arc::new(Store::open_existing(&data, lexicon)?);
    let options = ticai_server::Options {
        timeout: Duration::from_secs(args.timeout.max(1)),
        max_evidence: args.max_evidence as usize,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let addr = listener.local_addr()?;
        // one line on stdout that scripts (and the tests) read for the port
        outln!("listening on http://{addr}/ (data dir {})", data.display())?;
        use std::io::Write;
        std::io::stdout().flush()?;
        ticai_server::serve(listener, store, &options)
            .await
            .context("server failed")
    })?;
    Ok(ExitCode::SUCCESS)
}
