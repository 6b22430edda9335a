//! The demo API, loaded and compiled once for every test.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::LazyLock;

use apivolve_migrate::{Migrator, Registry};
use apivolve_model::{Change, FoldOptions, History, LifecycleState, Project, Snapshot, fold};

/// The demo API project, its history and its plans.
pub(crate) struct Demo {
    pub(crate) project: Project,
    pub(crate) history: History,
    pub(crate) migrator: Migrator,
}

impl Demo {
    /// The served chain, oldest first.
    pub(crate) fn versions(&self) -> &[semver::Version] {
        &self.history.chain
    }

    /// The schema at `version`.
    pub(crate) fn snapshot(&self, version: &semver::Version) -> &Snapshot {
        self.history.snapshot(version).unwrap()
    }

    /// The latest version.
    pub(crate) fn latest(&self) -> &semver::Version {
        self.history.latest().unwrap()
    }
}

/// The folder of the demo API project.
pub(crate) fn demo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo")
}

/// The demo API, compiled with an empty registry.
pub(crate) static DEMO: LazyLock<Demo> = LazyLock::new(|| {
    let (project, diagnostics) = Project::load(demo_dir()).unwrap();
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let (history, diagnostics) = fold(&project, &FoldOptions::default());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let migrator = Migrator::compile(&project, &history, &Registry::new()).unwrap();
    Demo {
        project,
        history,
        migrator,
    }
});

/// `1.0.0` as a version.
pub(crate) fn version(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap()
}

/// Every kind of change, and the variants of the ones that have several, occurs in the demo.
#[test]
fn the_demo_uses_every_change_kind() {
    let mut seen = BTreeSet::new();
    for dir in &DEMO.project.versions {
        for (_, _, change) in dir.changes() {
            seen.insert(change.kind().to_owned());
            let variant = match change {
                Change::AddField(op) if op.required && op.default.is_some() => {
                    "add_field required with default"
                }
                Change::AddField(op) if !op.required => "add_field optional",
                Change::RemoveField(op) if op.down.is_some() => "remove_field with down",
                Change::RemoveField(op) if op.default.is_some() => "remove_field with default",
                Change::AddEnumValue(op) if op.down_map.is_some() => match op.field {
                    Some(_) => "add_enum_value on a field",
                    None => "add_enum_value on an enum type",
                },
                Change::RemoveEnumValue(op) if op.up_map.is_some() => match op.field {
                    Some(_) => "remove_enum_value on a field",
                    None => "remove_enum_value on an enum type",
                },
                Change::RemoveEndpoint(op) if op.successor.is_some() => {
                    "remove_endpoint with successor"
                }
                Change::ChangeError(op) if op.shape.media_type == "text/plain" => {
                    "change_error to text/plain"
                }
                Change::ChangeError(op) if op.shape.schema.is_some() => {
                    "change_error to a JSON object"
                }
                Change::ChangeError(_) => "change_error to problem details",
                Change::SetLifecycle(op) => match op.state {
                    LifecycleState::Preview => "set_lifecycle preview",
                    LifecycleState::Stable => "set_lifecycle stable",
                    LifecycleState::Deprecated => "set_lifecycle deprecated",
                    LifecycleState::Sunset => "set_lifecycle sunset",
                    LifecycleState::Retired => "set_lifecycle retired",
                },
                Change::Custom(op) if op.endpoint.is_some() => "custom on an endpoint",
                Change::Custom(op) if op.type_name.is_some() => "custom on a type",
                _ => continue,
            };
            seen.insert(variant.to_owned());
        }
    }
    insta::assert_snapshot!(seen.into_iter().collect::<Vec<_>>().join("\n"));
}
