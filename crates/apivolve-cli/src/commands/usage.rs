//! `apivolve usage`: who still calls what, from the counts the server keeps in its store; and
//! `apivolve client-hash`, the name a client goes by there.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::Context as _;
use apivolve_model::{Project, VersionLifecycle, client_hash, supported_versions};
use apivolve_server::usage::{ANONYMOUS, UsageCount, read_usage};
use chrono::NaiveDate;
use semver::Version;
use serde::Serialize;

use super::load_checked;
use crate::cli::{ClientHashArgs, UsageArgs, UsageFormat};

/// What `apivolve usage` reports.
#[derive(Debug, Serialize)]
struct Report {
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    versions: Vec<VersionUsage>,
    /// Clients that called a version that is deprecated, sunset, retired or unsupported.
    clients_on_old_versions: Vec<ClientUsage>,
}

#[derive(Debug, Serialize)]
struct VersionUsage {
    version: String,
    lifecycle: String,
    calls: u64,
    clients: usize,
    last_call: Option<NaiveDate>,
    endpoints: Vec<EndpointUsage>,
}

#[derive(Debug, Serialize)]
struct EndpointUsage {
    endpoint: String,
    calls: u64,
    clients: usize,
    last_call: NaiveDate,
}

#[derive(Debug, Serialize)]
struct ClientUsage {
    client: String,
    version: String,
    lifecycle: String,
    calls: u64,
    last_call: NaiveDate,
    /// Calls per endpoint.
    endpoints: BTreeMap<String, u64>,
}

pub(super) fn run(args: UsageArgs) -> anyhow::Result<ExitCode> {
    let (project, report) = match load_checked(&args.project.project, "usage")? {
        Ok(loaded) => loaded,
        Err(code) => return Ok(code),
    };
    let url = args
        .store
        .clone()
        .unwrap_or_else(|| project.config.server.store.clone());
    let counts = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(async {
            // Read-only: a SQLite file can be read while its server runs.
            let options = apivolve_store::StoreOptions::default().read_only(true);
            let store = apivolve_store::open_store_with(&url, &options)
                .await
                .with_context(|| format!("cannot open the store `{url}`"))?;
            read_usage(&store, args.since, args.until)
                .await
                .with_context(|| format!("cannot read the usage counts in `{url}`"))
        })?;
    let supported = supported_versions(&project, &report.history);
    let mut usage = build(&project, &report.history.chain, &supported, &counts);
    usage.since = args.since;
    usage.until = args.until;
    match args.format {
        UsageFormat::Json => outln!("{}", serde_json::to_string_pretty(&usage)?),
        UsageFormat::Text => out!("{}", render(&usage, args.version.as_ref())),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn run_client_hash(args: ClientHashArgs) -> anyhow::Result<ExitCode> {
    let (project, _) = super::load(&args.project.project)?;
    outln!("{}", client_hash(&project.config.name, args.value.trim()));
    Ok(ExitCode::SUCCESS)
}

/// Groups the counts by version (the served chain first, oldest first; then any other version
/// that was called), endpoint and client.
fn build(
    project: &Project,
    chain: &[Version],
    supported: &BTreeSet<Version>,
    counts: &[UsageCount],
) -> Report {
    let mut order: Vec<String> = chain.iter().map(ToString::to_string).collect();
    for count in counts {
        if !order.contains(&count.version) {
            order.push(count.version.clone());
        }
    }
    let lifecycle = |version: &str| {
        let parsed = Version::parse(version).ok();
        let known = parsed.as_ref().is_some_and(|v| chain.contains(v));
        let is_supported = parsed.as_ref().is_some_and(|v| supported.contains(v));
        describe(project.config.versions.get(version), known, is_supported)
    };
    let mut versions = Vec::new();
    let mut clients_on_old = Vec::new();
    for version in order {
        let here: Vec<&UsageCount> = counts.iter().filter(|c| c.version == version).collect();
        let state = lifecycle(&version);
        let mut endpoints: BTreeMap<&str, (u64, BTreeSet<&str>, NaiveDate)> = BTreeMap::new();
        let mut clients: BTreeMap<&str, (u64, NaiveDate, BTreeMap<String, u64>)> = BTreeMap::new();
        for count in &here {
            let endpoint =
                endpoints
                    .entry(&count.endpoint)
                    .or_insert((0, BTreeSet::new(), count.day));
            endpoint.0 += count.calls;
            endpoint.1.insert(&count.client);
            endpoint.2 = endpoint.2.max(count.day);
            let client = clients
                .entry(&count.client)
                .or_insert((0, count.day, BTreeMap::new()));
            client.0 += count.calls;
            client.1 = client.1.max(count.day);
            *client.2.entry(count.endpoint.clone()).or_insert(0) += count.calls;
        }
        if state != "stable" && state != "preview" {
            for (client, (calls, last_call, endpoints)) in &clients {
                clients_on_old.push(ClientUsage {
                    client: (*client).to_owned(),
                    version: version.clone(),
                    lifecycle: state.clone(),
                    calls: *calls,
                    last_call: *last_call,
                    endpoints: endpoints.clone(),
                });
            }
        }
        versions.push(VersionUsage {
            calls: here.iter().map(|c| c.calls).sum(),
            clients: clients.len(),
            last_call: here.iter().map(|c| c.day).max(),
            endpoints: endpoints
                .into_iter()
                .map(|(endpoint, (calls, clients, last_call))| EndpointUsage {
                    endpoint: endpoint.to_owned(),
                    calls,
                    clients: clients.len(),
                    last_call,
                })
                .collect(),
            version,
            lifecycle: state,
        });
    }
    // The most active first: whom to talk to before retiring their version.
    clients_on_old.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.client.cmp(&b.client)));
    Report {
        since: None,
        until: None,
        versions,
        clients_on_old_versions: clients_on_old,
    }
}

fn describe(lifecycle: Option<&VersionLifecycle>, known: bool, supported: bool) -> String {
    if !known {
        return "not served".to_owned();
    }
    let lifecycle = lifecycle.cloned().unwrap_or_default();
    if lifecycle.retired {
        return "retired".to_owned();
    }
    if !supported {
        return "unsupported".to_owned();
    }
    if let Some(sunset) = lifecycle.sunset {
        return format!("sunset {sunset}");
    }
    if let Some(deprecated) = lifecycle.deprecated {
        return format!("deprecated {deprecated}");
    }
    if lifecycle.preview {
        return "preview".to_owned();
    }
    "stable".to_owned()
}

fn render(report: &Report, detail: Option<&Version>) -> String {
    let mut text = String::new();
    let span = match (report.since, report.until) {
        (None, None) => "all recorded days".to_owned(),
        (Some(since), None) => format!("since {since}"),
        (None, Some(until)) => format!("until {until}"),
        (Some(since), Some(until)) => format!("{since} to {until}"),
    };
    text.push_str(&format!("Calls by version ({span}):\n\n"));
    let rows: Vec<Vec<String>> = report
        .versions
        .iter()
        .map(|v| {
            vec![
                v.version.clone(),
                v.lifecycle.clone(),
                v.calls.to_string(),
                v.clients.to_string(),
                v.last_call
                    .map_or_else(|| "-".to_owned(), |d| d.to_string()),
            ]
        })
        .collect();
    table(
        &mut text,
        &["version", "lifecycle", "calls", "clients", "last call"],
        &rows,
    );
    let detailed: Vec<&VersionUsage> = report
        .versions
        .iter()
        .filter(|v| detail.is_some_and(|d| d.to_string() == v.version))
        .collect();
    for version in detailed {
        text.push_str(&format!(
            "\nCalls of {} ({}) by endpoint:\n\n",
            version.version, version.lifecycle
        ));
        let rows: Vec<Vec<String>> = version
            .endpoints
            .iter()
            .map(|e| {
                vec![
                    e.endpoint.clone(),
                    e.calls.to_string(),
                    e.clients.to_string(),
                    e.last_call.to_string(),
                ]
            })
            .collect();
        table(
            &mut text,
            &["endpoint", "calls", "clients", "last call"],
            &rows,
        );
    }
    if report.clients_on_old_versions.is_empty() {
        text.push_str("\nNo client called a deprecated, sunset, retired or unsupported version.\n");
    } else {
        text.push_str("\nClients on deprecated, sunset, retired or unsupported versions:\n\n");
        let rows: Vec<Vec<String>> = report
            .clients_on_old_versions
            .iter()
            .map(|c| {
                let endpoints: Vec<String> = c
                    .endpoints
                    .iter()
                    .map(|(endpoint, calls)| format!("{endpoint} {calls}"))
                    .collect();
                vec![
                    c.client.clone(),
                    c.version.clone(),
                    c.calls.to_string(),
                    c.last_call.to_string(),
                    endpoints.join(", "),
                ]
            })
            .collect();
        table(
            &mut text,
            &["client", "version", "calls", "last call", "endpoints"],
            &rows,
        );
        if report
            .clients_on_old_versions
            .iter()
            .any(|c| c.client == ANONYMOUS)
        {
            text.push_str(
                "\n`anonymous` counts calls without the client header of `[clients]` in apivolve.toml.\n",
            );
        }
    }
    text
}

/// Left-aligned columns, numbers right-aligned, two spaces apart.
fn table(text: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let numeric: Vec<bool> = (0..headers.len())
        .map(|column| {
            !rows.is_empty()
                && rows
                    .iter()
                    .all(|row| row[column].bytes().all(|b| b.is_ascii_digit()))
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut line = String::new();
        for (column, cell) in cells.iter().enumerate() {
            let pad = widths[column] - cell.chars().count();
            if column > 0 {
                line.push_str("  ");
            }
            if numeric[column] {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                if column + 1 < cells.len() {
                    line.push_str(&" ".repeat(pad));
                }
            }
        }
        line.push('\n');
        line
    };
    text.push_str(&line(headers.to_vec()));
    for row in rows {
        text.push_str(&line(row.iter().map(String::as_str).collect()));
    }
}
