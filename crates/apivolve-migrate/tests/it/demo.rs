//! The demo API, loaded and compiled once for every test.

use std::path::PathBuf;
use std::sync::LazyLock;

use apivolve_migrate::{Migrator, Registry};
use apivolve_model::{FoldOptions, History, Project, Snapshot, fold};

/// The demo API project, its history and its plans.
pub(crate) struct Demo {
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
    Demo { history, migrator }
});

/// `1.0.0` as a version.
pub(crate) fn version(text: &str) -> semver::Version {
    semver::Version::parse(text).unwrap()
}
