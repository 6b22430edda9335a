//! `objid`: serves v1 and v2 of the objid API from one v2 implementation.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use axum::ServiceExt as _;
use clap::Parser;

/// Serves the objid API (v1 and v2) with the embedded SQLite store.
#[derive(Debug, Parser)]
#[command(name = "objid", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Store URL: `sqlite://PATH`, `postgres://...` or `memory://`.
    #[arg(long, default_value = "sqlite://objid.db")]
    store: String,
    /// The API project folder.
    #[arg(long)]
    api: Option<PathBuf>,
}

/// A faster allocator under many threads than the system's (see ARCHITECTURE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    apivolve_server::metrics::install().context("cannot install the metrics recorder")?;
    let store = apivolve_store::open_store(&args.store)
        .await
        .with_context(|| format!("cannot open the store `{}`", args.store))?;
    let options = objid::AppOptions {
        api: args.api.unwrap_or_else(objid::api_dir),
        ..objid::AppOptions::default()
    };
    let service = objid::app(store, options)?;
    let runtime = service.runtime().clone();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(
        "objid serves v1 and v2 on http://{}/api (docs: /_apivolve/docs, metrics: /metrics)",
        args.listen
    );
    axum::serve(listener, service.into_make_service())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    // The calls counted since the last flush (`apivolve usage` reads them from the store).
    if let Err(error) = runtime.usage().flush().await {
        tracing::warn!(%error, "the last usage counts were not written");
    }
    Ok(())
}
