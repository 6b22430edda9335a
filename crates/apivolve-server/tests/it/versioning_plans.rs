//! Snapshots of the fixture's compiled plans: what the migration compiler derives per endpoint,
//! version and direction, and what the layer runs. They differ for `items.all`, removed in 2.0.0
//! with `items.list` as its successor: its own plans are empty (a plan follows one endpoint id),
//! and the layer joins in the successor's plans from 2.0.0 on.

use apivolve_migrate::{Direction, Migrator, Registry};
use apivolve_model::{CheckOptions, Project, check};
use apivolve_server::{Runtime, VersioningOptions};

use crate::versioning::fixture;

#[test]
fn compiled_plans_per_endpoint_version_and_direction() {
    let (project, diagnostics) = Project::load(fixture()).unwrap();
    let report = check(&project, diagnostics, &CheckOptions::default());
    assert!(report.is_clean(), "{:?}", report.diagnostics);
    let history = &report.history;
    let migrator = Migrator::compile(&project, history, &Registry::new()).unwrap();
    let mut text = String::new();
    for version in &history.chain {
        let snapshot = history.snapshot(version).unwrap();
        for id in snapshot.endpoints.keys() {
            for direction in [Direction::Request, Direction::Response] {
                let plan = migrator.plan(id, version, direction).unwrap();
                text.push_str(&format!("{plan}"));
            }
        }
    }
    insta::assert_snapshot!("compiled_plans", text);
}

#[test]
fn what_the_layer_runs() {
    let runtime = Runtime::load(fixture(), VersioningOptions::default()).unwrap();
    insta::assert_snapshot!("layer_migrations", runtime.explain());
}
