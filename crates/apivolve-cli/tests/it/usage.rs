//! `apivolve usage` over counts a server left in its store, and `apivolve client-hash`.

use serde_json::json;

use crate::support::{TempProject, assert_run};

/// Writes usage documents as the server does, into a SQLite store at `path`.
fn write_counts(path: &std::path::Path, documents: &[(String, serde_json::Value)]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", path.display());
        let store = apivolve_store::open_store(&url).await.unwrap();
        let writes = documents
            .iter()
            .map(|(key, value)| apivolve_store::Write::Insert {
                key: key.clone(),
                value: value.clone(),
            })
            .collect();
        store.commit(writes).await.unwrap();
    });
    // The runtime and the store are gone: the store's file lock is released for the command.
    drop(runtime);
}

fn project_with_counts() -> (TempProject, String) {
    let project = TempProject::objid();
    let acme = apivolve_model::client_hash("objid", "acme-key");
    let path = project.path("usage.db");
    write_counts(
        &path,
        &[
            (
                format!("_usage/2026-11-30/{acme}"),
                json!({"day": "2026-11-30", "client": acme, "calls": {
                    "1.0.0": {"getNext": 7, "syncIds": 2},
                    "2.0.0": {"getNext": 1}
                }}),
            ),
            (
                "_usage/2026-12-01/anonymous".to_owned(),
                json!({"day": "2026-12-01", "client": "anonymous", "calls": {
                    "2.0.0": {"getNext": 30, "getConsumption": 3},
                    "1.0.0": {"getNext": 1}
                }}),
            ),
            ("app/not-usage".to_owned(), json!({"_ranges": []})),
        ],
    );
    let url = format!("sqlite://{}", path.display());
    (project, url)
}

#[test]
fn usage_reports_calls_by_version_and_the_clients_on_old_versions() {
    let (project, url) = project_with_counts();
    let run = project.run(&["usage", "--store", &url, "--version", "1.0.0", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_run!("usage_text", run);

    let json = project.run(&["usage", "--store", &url, "--format", "json", "."]);
    assert_eq!(json.code, 0, "{}", json.transcript());
    assert_run!("usage_json", json);
}

#[test]
fn usage_takes_a_range_of_days() {
    let (project, url) = project_with_counts();
    let run = project.run(&["usage", "--store", &url, "--since", "2026-12-01", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("since 2026-12-01"), "{}", run.stdout);
    assert_run!("usage_since", run);
    let none = project.run(&["usage", "--store", &url, "--until", "2026-11-01", "."]);
    assert_eq!(none.code, 0, "{}", none.transcript());
    assert!(
        none.stdout
            .contains("No client called a deprecated, sunset, retired or unsupported version."),
        "{}",
        none.stdout
    );
}

#[test]
fn usage_of_a_store_that_cannot_be_opened_is_an_error() {
    let project = TempProject::objid();
    let run = project.run(&["usage", "--store", "nosuch://x", "."]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("cannot open the store"),
        "{}",
        run.stderr
    );
}

#[test]
fn client_hash_prints_what_usage_and_pins_use() {
    let project = TempProject::objid();
    let run = project.run(&["client-hash", "acme-key", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.stdout.trim(),
        apivolve_model::client_hash("objid", "acme-key")
    );
}

#[test]
fn usage_reads_a_sqlite_store_that_its_server_holds_open() {
    let (project, url) = project_with_counts();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The server's store: caching, so it holds the file's lock while open.
    let owner = runtime.block_on(apivolve_store::open_store(&url)).unwrap();
    let run = project.run(&["usage", "--store", &url, "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("\"calls\": 10"), "{}", run.stdout);
    drop(owner);
}
