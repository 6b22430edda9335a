//! `apivolve serve`: gateway mode. The versioning layer serves every supported version in front
//! of an upstream service that implements latest only.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use apivolve_server::{
    Gateway, GatewayOptions, ResponseValidation, Runtime, VersioningLayer, VersioningOptions,
};
use axum::ServiceExt as _;
use tower::Layer as _;

use crate::cli::ProjectArg;

/// Arguments of `apivolve serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The upstream's base URL (`http://127.0.0.1:3000`): a service that implements latest only.
    /// Every request goes there; nothing in a request can change it.
    #[arg(long)]
    pub(crate) upstream: String,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) listen: SocketAddr,
    /// Check responses against the client's version: `strict` (a violation is a 500), `off`, or
    /// the fraction of responses to check, logged only (`0.01`).
    #[arg(long, default_value = "off", value_parser = parse_validation)]
    pub(crate) response_validation: ResponseValidation,
    /// The path under which the upstream serves latest (default: the base path and latest's
    /// major, `/api/v2`).
    #[arg(long)]
    pub(crate) inner_prefix: Option<String>,
    /// The store for `Idempotency-Key` answers and async bulk jobs: `sqlite://PATH` (created on
    /// first run), `postgres://...` (several gateways), or `memory://` (kept until exit). Bulk
    /// lines are independent calls to the upstream whatever the store.
    #[arg(long, value_name = "URL", default_value = "sqlite://apivolve.db")]
    pub(crate) store: String,
    #[command(flatten)]
    pub(crate) project: ProjectArg,
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let options = VersioningOptions {
        response_validation: args.response_validation,
        inner_prefix: args.inner_prefix.clone(),
        ..VersioningOptions::default()
    };
    let runtime = match Runtime::load(&args.project.project, options) {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!(
                "error: cannot serve `{}`: {error}",
                args.project.project.display()
            );
            return Ok(ExitCode::from(super::EXIT_PROBLEM));
        }
    };
    let latest = runtime.latest().clone();
    let gateway = Gateway::new(&args.upstream, GatewayOptions::default())?;
    apivolve_server::metrics::install().context("cannot install the metrics recorder")?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(async {
            let store = apivolve_store::open_store(&args.store)
                .await
                .context("cannot open the store given by --store")?;
            let layer = VersioningLayer::new(runtime).with_record_store(store);
            let runtime = layer.runtime().clone();
            let service = layer.layer(gateway);
            let listener = tokio::net::TcpListener::bind(args.listen)
                .await
                .with_context(|| format!("cannot listen on `{}`", args.listen))?;
            let address = listener.local_addr().unwrap_or(args.listen);
            tracing::info!(
                "serving every supported version on http://{address} from `{}` (latest `{latest}`)",
                args.upstream
            );
            axum::serve(
                listener,
                service.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
            })
            .await
            .context("the server stopped")?;
            if let Err(error) = runtime.usage().flush().await {
                tracing::warn!(%error, "the last usage counts were not written");
            }
            Ok::<_, anyhow::Error>(())
        })?;
    Ok(ExitCode::SUCCESS)
}

/// `strict`, `off`, or a rate between 0 and 1.
fn parse_validation(text: &str) -> Result<ResponseValidation, String> {
    match text {
        "strict" => Ok(ResponseValidation::Strict),
        "off" => Ok(ResponseValidation::Off),
        rate => match rate.parse::<f64>() {
            Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(ResponseValidation::Sampled(rate)),
            _ => Err(format!(
                "expected `strict`, `off` or a rate between 0 and 1, got `{text}`"
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_validation_modes_parse() {
        assert_eq!(parse_validation("strict"), Ok(ResponseValidation::Strict));
        assert_eq!(parse_validation("off"), Ok(ResponseValidation::Off));
        assert_eq!(
            parse_validation("0.25"),
            Ok(ResponseValidation::Sampled(0.25))
        );
        for bad in ["1.5", "-0.1", "sometimes", "NaN", ""] {
            assert!(parse_validation(bad).is_err(), "{bad}");
        }
    }
}
