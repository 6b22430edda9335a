//! apivolve's benchmarks. Each subcommand starts what it needs, measures ours and a baseline in
//! the same run, and ends with one summary line of `key=value` figures.
//!
//! Run with `cargo run --release -p apivolve-bench -- NAME`.

use clap::{Parser, Subcommand};

mod bulk;
mod check;
mod client;
mod objid;
mod store;
mod versioning;

/// A faster allocator under many threads than the system's (see ARCHITECTURE.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(about = "apivolve benchmarks")]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Debug, Subcommand)]
enum Bench {
    /// 100,000 upserts in one bulk request against single requests; peak RSS of 1,000,000 lines.
    Bulk,
    /// `apivolve check` on a generated project (200 types x 50 versions), beside loading alone.
    Check(check::Args),
    /// Store commits per second, with and without group commit; reads and writes per unit.
    Store,
    /// The objid service under simulated developers (v1 and v2), against the seed's target load.
    Objid(objid::Args),
    /// Requests per second and latency of a bare handler, behind the layer on latest, and on the oldest of 20 versions.
    Versioning(versioning::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().bench {
        Bench::Bulk => tokio::runtime::Runtime::new()?.block_on(bulk::run()),
        Bench::Check(args) => check::run(&args),
        Bench::Store => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(store::run()),
        Bench::Objid(args) => objid::run(&args),
        Bench::Versioning(args) => versioning::run(&args),
    }
}
