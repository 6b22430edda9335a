//! The fold over the lineage: the schema at every released version, and at the pending set.

use std::collections::BTreeMap;

use crate::apply::{ApplyError, Copies, Layer, apply_on, worth_a_thread};
use crate::change::Change;
use crate::diagnostic::Diagnostic;
use crate::project::{Evolution, Project, VersionDir, changes_of};
use crate::snapshot::Snapshot;

/// The schema at every version, and the shape of the lineage.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The schema at each released version.
    pub snapshots: BTreeMap<semver::Version, Snapshot>,
    /// The served chain: latest's ancestry, oldest first, latest last.
    pub chain: Vec<semver::Version>,
    /// The pending evolutions folded onto their parent, when there are any.
    pub pending: Option<Pending>,
}

/// The pending evolutions folded onto a parent version.
#[derive(Clone, Debug)]
pub struct Pending {
    /// The version they build on (`None` for a project with no release yet).
    pub parent: Option<semver::Version>,
    /// The schema after them.
    pub snapshot: Snapshot,
}

impl History {
    /// The newest released version.
    pub fn latest(&self) -> Option<&semver::Version> {
        self.chain.last()
    }

    /// The schema at `version`.
    pub fn snapshot(&self, version: &semver::Version) -> Option<&Snapshot> {
        self.snapshots.get(version)
    }

    /// The schema of the parent of the pending set (empty for a first release).
    pub fn pending_base(&self) -> Snapshot {
        self.pending
            .as_ref()
            .and_then(|pending| pending.parent.as_ref())
            .and_then(|parent| self.snapshots.get(parent))
            .cloned()
            .unwrap_or_default()
    }
}

/// Options of the fold.
#[derive(Clone, Debug, Default)]
pub struct FoldOptions {
    /// The version the pending evolutions build on; latest when `None`.
    pub pending_parent: Option<semver::Version>,
}

/// Folds every version of the project in lineage order, collecting problems.
pub fn fold(project: &Project, options: &FoldOptions) -> (History, Vec<Diagnostic>) {
    let mut folder = Folder::default();
    for (index, dir) in project.versions.iter().enumerate() {
        folder.add(index, dir, true);
    }
    folder.finish(project, options)
}

/// The fold of [`fold`], fed one version at a time in the order of `Project::versions` (so
/// that a version can be folded while the next one is read): a version whose parent is folded
/// is folded at once, the others once every version is in.
#[derive(Default)]
pub(crate) struct Folder {
    history: History,
    diagnostics: Vec<Diagnostic>,
    /// Indexes in `Project::versions` of the versions whose parent was not folded yet.
    deferred: Vec<usize>,
}

impl Folder {
    /// Folds the version at `index` of `Project::versions` if its parent is folded (or it has
    /// none); `parallel` allows a helper thread for copying a large parent's types.
    pub(crate) fn add(&mut self, index: usize, dir: &VersionDir, parallel: bool) {
        if !self.fold_version(dir, parallel) {
            self.deferred.push(index);
        }
    }

    /// The schema at `version`, if it is folded.
    pub(crate) fn snapshot(&self, version: &semver::Version) -> Option<&Snapshot> {
        self.history.snapshots.get(version)
    }

    /// Folds `dir` onto its parent; false when the parent is not folded.
    fn fold_version(&mut self, dir: &VersionDir, parallel: bool) -> bool {
        let empty = Snapshot::default();
        let base = match &dir.release.parent {
            None => &empty,
            Some(parent) => match self.history.snapshots.get(parent) {
                Some(snapshot) => snapshot,
                None => return false,
            },
        };
        let parallel = parallel && worth_a_thread(base.types.len());
        let snapshot = fold_onto_with(base, &dir.evolutions, &mut self.diagnostics, parallel);
        self.history.snapshots.insert(dir.version.clone(), snapshot);
        true
    }

    /// Folds the deferred versions (parents first; a version whose parent never comes is
    /// reported), the chain and the pending set, once every version of `project` was added.
    pub(crate) fn finish(
        mut self,
        project: &Project,
        options: &FoldOptions,
    ) -> (History, Vec<Diagnostic>) {
        // Release numbers do not have to grow along a branch: walk the parent links until no
        // deferred version can be folded.
        let mut remaining: Vec<_> = std::mem::take(&mut self.deferred)
            .into_iter()
            .map(|index| &project.versions[index])
            .collect();
        while !remaining.is_empty() {
            let before = remaining.len();
            remaining.retain(|dir| !self.fold_version(dir, true));
            if remaining.len() == before {
                for dir in remaining.drain(..) {
                    let parent = dir
                        .release
                        .parent
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    self.diagnostics.push(
                        Diagnostic::error(
                            "unknown-parent",
                            format!("version `{}` names parent `{parent}`, which is not released here", dir.version),
                        )
                        .in_file(dir.dir.join(crate::project::RELEASE_FILE))
                        .with_hint("restore the parent's version folder, or correct `parent` in `release.toml`"),
                    );
                }
            }
        }
        let Self {
            mut history,
            mut diagnostics,
            ..
        } = self;

        if let Some(latest) = project.latest() {
            let mut chain = vec![latest.version.clone()];
            let mut current = latest;
            while let Some(parent) = current
                .release
                .parent
                .as_ref()
                .and_then(|parent| project.version(parent))
            {
                if chain.contains(&parent.version) {
                    break;
                }
                chain.push(parent.version.clone());
                current = parent;
            }
            chain.reverse();
            history.chain = chain;
        }

        if !project.pending.is_empty() {
            let parent = options
                .pending_parent
                .clone()
                .or_else(|| history.latest().cloned());
            let empty = Snapshot::default();
            let base = parent
                .as_ref()
                .and_then(|parent| history.snapshots.get(parent))
                .unwrap_or(&empty);
            let snapshot = fold_onto(base, &project.pending, &mut diagnostics);
            history.pending = Some(Pending { parent, snapshot });
        }
        (history, diagnostics)
    }
}

/// Applies the changes of `evolutions` in order; a change that does not apply is reported and skipped.
pub fn fold_evolutions(
    snapshot: Snapshot,
    evolutions: &[Evolution],
    diagnostics: &mut Vec<Diagnostic>,
) -> Snapshot {
    fold_onto(&snapshot, evolutions, diagnostics)
}

/// [`fold_evolutions`] on a borrowed base: each type and endpoint of the base is copied once,
/// on its first edit or at the end; a large base's types are copied on a second thread as well.
fn fold_onto(
    base: &Snapshot,
    evolutions: &[Evolution],
    diagnostics: &mut Vec<Diagnostic>,
) -> Snapshot {
    fold_onto_with(
        base,
        evolutions,
        diagnostics,
        worth_a_thread(base.types.len()),
    )
}

/// [`fold_onto`], with or without the helper thread that copies the base's types.
fn fold_onto_with(
    base: &Snapshot,
    evolutions: &[Evolution],
    diagnostics: &mut Vec<Diagnostic>,
    parallel: bool,
) -> Snapshot {
    let apply_all = |layer: &mut Layer<'_>, diagnostics: &mut Vec<Diagnostic>| {
        for (evolution, index, change) in changes_of(evolutions) {
            if let Err(error) = apply_on(layer, change) {
                diagnostics.push(not_applied(evolution, index, change, error));
            }
        }
    };
    if !parallel {
        let mut layer = Layer::new(base, None);
        apply_all(&mut layer, diagnostics);
        return layer.finish();
    }
    let copies = Copies::new(base);
    std::thread::scope(|scope| {
        scope.spawn(|| copies.fill());
        let mut layer = Layer::new(base, Some(&copies));
        apply_all(&mut layer, diagnostics);
        let snapshot = layer.finish();
        copies.stop();
        snapshot
    })
}

/// The diagnostic of a change that does not apply.
fn not_applied(
    evolution: &Evolution,
    index: usize,
    change: &Change,
    error: ApplyError,
) -> Diagnostic {
    let pointer = format!("/changes/{index}/{}{}", change.kind(), error.pointer);
    let mut diagnostic = Diagnostic::error(
        "change-does-not-apply",
        format!("`{}`: {}", change.kind(), error.message),
    );
    if let Some(hint) = error.hint {
        diagnostic = diagnostic.with_hint(hint);
    }
    evolution.diagnostic(diagnostic, &pointer)
}

#[cfg(test)]
mod tests {
    use std::fmt::Write;
    use std::path::Path;

    use super::*;
    use crate::project::parse_evolution;

    /// A base of many types, and changes that touch some of them several times, fail on others,
    /// add, rename and remove types: the copies made on the helper thread must not change what
    /// the fold builds or reports.
    #[test]
    fn copying_on_a_second_thread_builds_the_same_snapshot() {
        let mut first = String::from("description: types\nchanges:\n");
        for index in 0..150 {
            let _ = writeln!(
                first,
                "  - add_type: {{name: T{index}, schema: {{type: object, properties: {{id: {{type: string}}, status: {{type: string, enum: [a, b]}}}}}}}}"
            );
        }
        let mut second = String::from("description: edits\nchanges:\n");
        for index in (0..150).step_by(3) {
            let _ = writeln!(
                second,
                "  - add_field: {{type: T{index}, field: extra, schema: {{type: integer}}}}\n  - add_enum_value: {{type: T{index}, field: status, value: c, down_map: a}}\n  - rename_field: {{type: T{index}, from: missing, to: other}}\n  - rename_field: {{type: T{}, from: missing, to: other}}",
                index + 1
            );
        }
        second.push_str(
            "  - remove_type: {name: T149}\n  - rename_type: {from: T148, to: Renamed}\n",
        );
        let parse = |name: &str, text: &str| {
            parse_evolution(Path::new(name), text).expect("the test evolution parses")
        };
        let mut diagnostics = Vec::new();
        let base = fold_onto_with(
            &Snapshot::default(),
            &[parse("first.yaml", &first)],
            &mut diagnostics,
            false,
        );
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert!(base.types.len() >= crate::apply::PARALLEL_TYPES);
        let evolutions = [parse("second.yaml", &second)];

        let mut alone = Vec::new();
        let expected = fold_onto_with(&base, &evolutions, &mut alone, false);
        assert_eq!(alone.len(), 100, "every rename of a missing field fails");
        assert!(expected.types.contains_key("Renamed") && !expected.types.contains_key("T149"));
        for _ in 0..20 {
            let mut helped = Vec::new();
            let built = fold_onto_with(&base, &evolutions, &mut helped, true);
            assert_eq!(built, expected);
            assert_eq!(helped, alone);
        }
    }
}
