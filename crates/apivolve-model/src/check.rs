//! `apivolve check`: everything that can be wrong with an API project, in one report.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, TryRecvError};
use std::thread;

use serde::Serialize;

use crate::apply::apply;
use crate::apply::util::suggest;
use crate::diagnostic::Diagnostic;
use crate::export::body_schema;
use crate::findings::{Bump, diff};
use crate::hash::{file_hashes, version_hash};
use crate::history::{FoldOptions, Folder, History, fold};
use crate::jq::{compile as compile_jq, expressions as jq_expressions};
use crate::project::{Evolution, Listing, Project, RELEASE_FILE, VersionDir, changes_of};
use crate::semver_bump::{JudgedFinding, bump_between, bump_of, judged_findings, next_version};
use crate::servability::{may_miss_migrations, missing_migrations};
use crate::snapshot::{Schema, Snapshot};

/// What `check` found.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// Every problem, errors first.
    pub diagnostics: Vec<Diagnostic>,
    /// Every released version, oldest first.
    pub versions: Vec<VersionSummary>,
    /// The pending set, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingSummary>,
    /// The folded schemas (not serialised).
    #[serde(skip)]
    pub history: History,
}

impl CheckReport {
    /// True when no diagnostic is an error.
    pub fn is_clean(&self) -> bool {
        !self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// One released version as `check` sees it.
#[derive(Debug, Serialize)]
pub struct VersionSummary {
    /// Its number.
    pub version: semver::Version,
    /// Its parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<semver::Version>,
    /// The bump its findings ask for over its parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bump: Option<Bump>,
    /// On latest's chain and within the support policy.
    pub supported: bool,
    /// The newest released version.
    pub latest: bool,
    /// Number of findings against its parent.
    pub findings: usize,
}

/// The pending evolutions and what releasing them would do.
#[derive(Debug, Serialize)]
pub struct PendingSummary {
    /// The version they build on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<semver::Version>,
    /// The version `release` would create.
    pub next: semver::Version,
    /// The computed bump.
    pub bump: Bump,
    /// The pending files.
    pub files: Vec<String>,
    /// The findings between the parent and the pending schema.
    pub findings: Vec<JudgedFinding>,
}

/// Options of `check`.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// The version the pending evolutions build on; latest when `None`.
    pub pending_parent: Option<semver::Version>,
}

impl CheckOptions {
    /// The options of the fold these ask for.
    fn fold_options(&self) -> FoldOptions {
        FoldOptions {
            pending_parent: self.pending_parent.clone(),
        }
    }
}

/// Runs every check on a loaded project. `load_diagnostics` are those of [`Project::load`].
pub fn check(
    project: &Project,
    load_diagnostics: Vec<Diagnostic>,
    options: &CheckOptions,
) -> CheckReport {
    // Hashes and jq need only the files: they run beside the fold, the longest step.
    let (files, (history, fold_diagnostics)) = thread::scope(|scope| {
        let files = scope.spawn(|| check_files(&project.versions, Ok(&project.pending)));
        let folded = fold(project, &options.fold_options());
        (joined(files), folded)
    });
    let (files, pending_jq) = files;
    conclude(
        project,
        Gathered {
            load_diagnostics,
            files,
            pending_jq,
            history,
            fold_diagnostics,
            judged: Vec::new(),
        },
    )
}

/// [`Project::load`] and [`check`] in one, with the same results, on two threads from the
/// start: a loader reads the version folders in version order and then hashes their files and
/// compiles their jq, while this thread folds each version as soon as it is read and, whenever
/// it waits for the next one, judges the versions folded so far.
///
/// # Errors
///
/// As [`Project::load`]: when the folder cannot be read or has no `apivolve.toml`.
pub fn load_and_check(
    root: impl AsRef<Path>,
    options: &CheckOptions,
) -> crate::Result<(Project, CheckReport)> {
    let mut listing = Listing::read(root.as_ref())?;
    // Set once the loader has nothing left to do: from then on the fold may use a helper
    // thread of its own again.
    let idle = AtomicBool::new(false);
    let (loaded, versions, folder, judged) = thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        let idle = &idle;
        let loader = scope.spawn(move || {
            // The loader keeps a handle on each version to check its files once all are read,
            // while the fold catches up.
            let mut read = Vec::new();
            let versions = listing.load_versions(|dir| {
                let dir = Arc::new(dir);
                read.push(Arc::clone(&dir));
                // The receiver lives until the channel closes.
                let _ = sender.send(dir);
            });
            drop(sender);
            let pending = versions.and_then(|()| listing.load_pending());
            let (checks, pending_jq) = check_files(
                read.iter().map(|dir| &**dir),
                pending.as_ref().map(Vec::as_slice),
            );
            drop(read);
            idle.store(true, Ordering::Release);
            (listing, pending, checks, pending_jq)
        });
        let mut folder = Folder::default();
        let mut versions: Vec<Arc<VersionDir>> = Vec::new();
        // While the next version is being read, the versions folded so far are judged.
        let mut judged = Vec::new();
        loop {
            let dir = match receiver.try_recv() {
                Ok(dir) => dir,
                Err(TryRecvError::Empty) if judged.len() < versions.len() => {
                    let dir = &versions[judged.len()];
                    judged.push(judge_folded(dir, &folder));
                    continue;
                }
                Err(TryRecvError::Empty) => match receiver.recv() {
                    Ok(dir) => dir,
                    Err(_) => break,
                },
                Err(TryRecvError::Disconnected) => break,
            };
            folder.add(versions.len(), &dir, idle.load(Ordering::Acquire));
            versions.push(dir);
        }
        (joined(loader), versions, folder, judged)
    });
    let (listing, pending, checks, pending_jq) = loaded;
    // The loader has let go of its handles: each version has one owner again.
    let versions = versions
        .into_iter()
        .map(|dir| Arc::try_unwrap(dir).unwrap_or_else(|dir| (*dir).clone()))
        .collect();
    let project = Project {
        root: listing.root,
        config: listing.config,
        versions,
        pending: pending?,
    };
    let (history, fold_diagnostics) = folder.finish(&project, &options.fold_options());
    let report = conclude(
        &project,
        Gathered {
            load_diagnostics: listing.diagnostics,
            files: checks,
            pending_jq,
            history,
            fold_diagnostics,
            judged,
        },
    );
    Ok((project, report))
}

/// The file checks of each released version, and the jq errors of the pending evolutions
/// (none when they could not be read), with each distinct jq expression compiled once.
fn check_files<'a>(
    versions: impl IntoIterator<Item = &'a VersionDir>,
    pending: std::result::Result<&[Evolution], &crate::Error>,
) -> (Vec<FileChecks>, Vec<Diagnostic>) {
    let mut jq = JqCache::default();
    let checks = versions
        .into_iter()
        .map(|dir| FileChecks::of(dir, &mut jq))
        .collect();
    let pending_jq = pending.map_or_else(|_| Vec::new(), |pending| jq.errors(pending));
    (checks, pending_jq)
}

/// What the files of one released version say on their own: their hashes and their jq errors.
struct FileChecks {
    hashes: BTreeMap<String, String>,
    jq: Vec<Diagnostic>,
}

impl FileChecks {
    fn of(dir: &VersionDir, jq: &mut JqCache) -> Self {
        Self {
            hashes: file_hashes(&dir.evolutions),
            jq: jq.errors(&dir.evolutions),
        }
    }
}

/// What [`check`] has gathered when the versions are folded.
struct Gathered {
    /// The diagnostics of loading.
    load_diagnostics: Vec<Diagnostic>,
    /// The file checks of each version of `Project::versions`.
    files: Vec<FileChecks>,
    /// The jq errors of the pending evolutions.
    pending_jq: Vec<Diagnostic>,
    history: History,
    fold_diagnostics: Vec<Diagnostic>,
    /// The judgements made already, by index in `Project::versions` (the rest come later).
    judged: Vec<Option<Judgement>>,
}

/// The rest of [`check`], once the files are checked and the versions folded.
fn conclude(project: &Project, gathered: Gathered) -> CheckReport {
    let Gathered {
        load_diagnostics,
        files,
        pending_jq,
        history,
        fold_diagnostics,
        judged,
    } = gathered;
    let mut diagnostics = load_diagnostics;
    check_hashes(project, &files, &mut diagnostics);
    diagnostics.extend(
        files
            .iter()
            .flat_map(|checks| checks.jq.iter().cloned())
            .chain(pending_jq),
    );
    diagnostics.extend(fold_diagnostics);
    let supported = supported_versions(project, &history);
    let mut versions = Vec::new();
    // The endpoints each version changed over its parent, for the live-versions lint.
    let mut changed: BTreeMap<semver::Version, BTreeSet<String>> = BTreeMap::new();
    for (dir, judged) in project
        .versions
        .iter()
        .zip(judge_versions(project, &history, judged))
    {
        let (bump, findings) = match (&dir.release.parent, judged) {
            (Some(parent), Some(judged)) => {
                changed.insert(
                    dir.version.clone(),
                    judged
                        .iter()
                        .filter_map(|judged| judged.finding.location.endpoint.clone())
                        .collect(),
                );
                let bump = bump_of(&judged);
                check_bump(dir, parent, bump, &judged, &mut diagnostics);
                (Some(bump), judged.len())
            }
            _ => (None, 0),
        };
        versions.push(VersionSummary {
            version: dir.version.clone(),
            parent: dir.release.parent.clone(),
            bump,
            supported: supported.contains(&dir.version),
            latest: history.latest() == Some(&dir.version),
            findings,
        });
    }

    check_servability(project, &history, &supported, &mut diagnostics);
    check_lifecycle_dates(project, &mut diagnostics);
    check_client_pins(project, &supported, &mut diagnostics);
    check_live_versions(project, &history, &supported, &changed, &mut diagnostics);
    check_examples(project, &history, &mut diagnostics);

    let pending = history.pending.as_ref().map(|pending| {
        let empty = Snapshot::default();
        let base = pending
            .parent
            .as_ref()
            .and_then(|parent| history.snapshot(parent))
            .unwrap_or(&empty);
        let judged = judged_findings(base, &pending.snapshot, &project.pending);
        let bump = bump_of(&judged);
        PendingSummary {
            parent: pending.parent.clone(),
            next: next_version(pending.parent.as_ref(), bump),
            bump,
            files: project
                .pending
                .iter()
                .map(|evolution| evolution.path.display().to_string())
                .collect(),
            findings: judged,
        }
    });

    diagnostics.sort_by(|a, b| {
        (a.severity, &a.file, a.position.map(|p| p.offset)).cmp(&(
            b.severity,
            &b.file,
            b.position.map(|p| p.offset),
        ))
    });
    CheckReport {
        diagnostics,
        versions,
        pending,
        history,
    }
}

/// The findings of a released version against its parent; `None` without a parent or
/// without both schemas.
type Judgement = Option<Vec<JudgedFinding>>;

/// The judgement of `dir` with the schemas `snapshot` gives.
fn judge<'a>(
    dir: &VersionDir,
    snapshot: impl Fn(&semver::Version) -> Option<&'a Snapshot>,
) -> Judgement {
    let parent = dir.release.parent.as_ref()?;
    let after = snapshot(&dir.version)?;
    let before = snapshot(parent)?;
    Some(judged_findings(before, after, &dir.evolutions))
}

/// The judgement of `dir` if it is folded (as its parent then is), for [`judge_versions`].
fn judge_folded(dir: &VersionDir, folder: &Folder) -> Option<Judgement> {
    if dir.release.parent.is_some() && folder.snapshot(&dir.version).is_none() {
        return None;
    }
    Some(judge(dir, |version| folder.snapshot(version)))
}

/// The judgement of each released version, in the order of `project.versions`: those in
/// `judged` as they are, the others computed here. The diffs are independent: every other one
/// runs on a second thread.
fn judge_versions(
    project: &Project,
    history: &History,
    mut judged: Vec<Option<Judgement>>,
) -> Vec<Judgement> {
    let versions = &project.versions;
    judged.resize_with(versions.len(), || None);
    let missing: Vec<usize> = (0..versions.len())
        .filter(|&index| judged[index].is_none())
        .collect();
    let judge = |&index: &usize| (index, judge(&versions[index], |v| history.snapshot(v)));
    let computed: Vec<_> = if missing.len() < 2 {
        missing.iter().map(judge).collect()
    } else {
        thread::scope(|scope| {
            let odd = scope.spawn(|| {
                missing
                    .iter()
                    .skip(1)
                    .step_by(2)
                    .map(judge)
                    .collect::<Vec<_>>()
            });
            let mut all: Vec<_> = missing.iter().step_by(2).map(judge).collect();
            all.extend(joined(odd));
            all
        })
    };
    for (index, judgement) in computed {
        judged[index] = Some(judgement);
    }
    judged.into_iter().map(Option::flatten).collect()
}

/// The result of a scoped thread; its panic, if it panicked, goes on in the caller.
fn joined<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// The versions that are served: latest's chain, within the last `supported_majors` majors, not retired.
pub fn supported_versions(project: &Project, history: &History) -> BTreeSet<semver::Version> {
    let majors: BTreeSet<u64> = history.chain.iter().map(|version| version.major).collect();
    let keep: BTreeSet<u64> = majors
        .iter()
        .rev()
        .take(project.config.policy.supported_majors.max(1) as usize)
        .copied()
        .collect();
    history
        .chain
        .iter()
        .filter(|version| keep.contains(&version.major))
        .filter(|version| {
            !project
                .config
                .versions
                .get(&version.to_string())
                .is_some_and(|lifecycle| lifecycle.retired)
        })
        .cloned()
        .collect()
}

/// `files[i]` holds the hashes of `project.versions[i]`'s files.
fn check_hashes(project: &Project, files: &[FileChecks], diagnostics: &mut Vec<Diagnostic>) {
    let hashes: BTreeMap<&semver::Version, &str> = project
        .versions
        .iter()
        .map(|dir| (&dir.version, dir.release.hash.as_str()))
        .collect();
    for (dir, checks) in project.versions.iter().zip(files) {
        let release_file = dir.dir.join(RELEASE_FILE);
        let actual = &checks.hashes;
        for (name, hash) in actual {
            match dir.release.files.get(name) {
                Some(recorded) if recorded == hash => {}
                Some(_) => diagnostics.push(
                    Diagnostic::error("hash-mismatch", format!("`{}` changed after version `{}` was released", dir.dir.join(name).display(), dir.version))
                        .in_file(dir.dir.join(name))
                        .with_hint("released evolutions are frozen: undo the edit and put the change in a new pending evolution"),
                ),
                None => diagnostics.push(
                    Diagnostic::error("unreleased-file", format!("`{name}` was added to version `{}` after its release", dir.version))
                        .in_file(dir.dir.join(name))
                        .with_hint("move the file to the project's top level so the next `apivolve release` takes it"),
                ),
            }
        }
        for name in dir
            .release
            .files
            .keys()
            .filter(|name| !actual.contains_key(*name))
        {
            diagnostics.push(
                Diagnostic::error(
                    "missing-file",
                    format!("`{name}` of version `{}` is missing", dir.version),
                )
                .in_file(&release_file)
                .with_hint(
                    "restore the file from version control; released history cannot lose files",
                ),
            );
        }
        let parent_hash = dir
            .release
            .parent
            .as_ref()
            .and_then(|parent| hashes.get(parent).copied());
        if dir.release.parent.is_some()
            && parent_hash.is_some()
            && dir.release.parent_hash.as_deref() != parent_hash
        {
            diagnostics.push(
                Diagnostic::error(
                    "parent-hash-mismatch",
                    format!(
                        "version `{}` was released on a parent whose content has since changed",
                        dir.version
                    ),
                )
                .in_file(&release_file)
                .with_hint(
                    "the parent version's files were edited after this release: undo that edit",
                ),
            );
        }
        if *actual == dir.release.files
            && version_hash(&dir.version, dir.release.parent_hash.as_deref(), actual)
                != dir.release.hash
        {
            diagnostics.push(
                Diagnostic::error(
                    "hash-mismatch",
                    format!(
                        "the hash of version `{}` does not match its content",
                        dir.version
                    ),
                )
                .in_file(&release_file)
                .with_hint("`release.toml` was edited by hand: restore it from version control"),
            );
        }
    }
}

/// The jq expressions' compile errors; the same expression (`tonumber`, `tostring`) recurs
/// across versions, so each is compiled once.
#[derive(Default)]
struct JqCache(HashMap<String, Option<String>>);

impl JqCache {
    /// A diagnostic for every jq expression of `evolutions` that does not compile.
    fn errors(&mut self, evolutions: &[Evolution]) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        for (evolution, index, change) in changes_of(evolutions) {
            for (pointer, expression) in jq_expressions(change) {
                let text = expression.0.as_str();
                if !self.0.contains_key(text) {
                    let error = compile_jq(text).err().map(|error| error.message);
                    self.0.insert(text.to_owned(), error);
                }
                if let Some(Some(message)) = self.0.get(text) {
                    let pointer = format!("/changes/{index}/{}{pointer}", change.kind());
                    diagnostics.push(evolution.diagnostic(
                        Diagnostic::error("invalid-jq", format!("jq expression does not compile: {message}"))
                            .with_hint("jq expressions take the old value as `.` and produce the new one; test with `jq` on a sample"),
                        &pointer,
                    ));
                }
            }
        }
        diagnostics
    }
}

fn check_bump(
    dir: &VersionDir,
    parent: &semver::Version,
    bump: Bump,
    findings: &[JudgedFinding],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let released = bump_between(parent, &dir.version);
    if released < bump {
        let worst = findings
            .iter()
            .filter(|finding| finding.bump() == bump)
            .map(|finding| finding.finding.message.clone())
            .next()
            .unwrap_or_default();
        diagnostics.push(
            Diagnostic::error("bump-too-small", format!("version `{}` is a {released:?} release over `{parent}` but its changes need a {bump:?} bump: {worst}", dir.version).to_lowercase())
                .in_file(dir.dir.join(RELEASE_FILE))
                .with_hint("suppress the finding with a reason in the evolution (`suppress: [{rule: ..., reason: ...}]`) or release it as a new major"),
        );
    }
}

fn check_servability(
    project: &Project,
    history: &History,
    supported: &BTreeSet<semver::Version>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(oldest) = history
        .chain
        .iter()
        .position(|version| supported.contains(version))
    else {
        return;
    };
    if history.snapshot(&history.chain[oldest]).is_none() {
        return;
    }
    // Each version on the chain is folded onto its predecessor, so the fold already holds the
    // schema before every version's changes: only a version with a change that may miss a
    // migration is replayed, from that schema (or from where the previous replay ended).
    let mut running: Option<Snapshot> = None;
    for pair in history.chain[oldest..].windows(2) {
        let (previous, version) = (&pair[0], &pair[1]);
        let Some(dir) = project.version(version) else {
            running = None;
            continue;
        };
        if !dir
            .changes()
            .any(|(_, _, change)| may_miss_migrations(change))
        {
            running = None;
            continue;
        }
        let mut snapshot = match running.take() {
            Some(snapshot) => snapshot,
            None => match history.snapshot(previous) {
                Some(snapshot) => snapshot.clone(),
                None => continue,
            },
        };
        for (evolution, index, change) in dir.changes() {
            if !may_miss_migrations(change) {
                // Nothing to report: no need to keep the schema before the change.
                let _ = apply(&mut snapshot, change);
                continue;
            }
            let before = snapshot.clone();
            if apply(&mut snapshot, change).is_err() {
                continue;
            }
            for missing in missing_migrations(change, &before, &snapshot) {
                let older: Vec<String> = supported
                    .iter()
                    .filter(|v| *v < version)
                    .map(ToString::to_string)
                    .collect();
                let pointer = format!("/changes/{index}/{}{}", change.kind(), missing.pointer);
                let diagnostic = Diagnostic {
                    severity: missing.severity,
                    code: "not-servable",
                    message: format!(
                        "{} (needed to serve {} from `{version}`)",
                        missing.message,
                        older.join(", ")
                    ),
                    file: None,
                    position: None,
                    hint: Some(missing.hint),
                };
                diagnostics.push(evolution.diagnostic(diagnostic, &pointer));
            }
        }
        running = Some(snapshot);
    }
}

fn check_lifecycle_dates(project: &Project, diagnostics: &mut Vec<Diagnostic>) {
    for (version, lifecycle) in &project.config.versions {
        if let (Some(deprecated), Some(sunset)) = (lifecycle.deprecated, lifecycle.sunset)
            && sunset < deprecated
        {
            diagnostics.push(
                    Diagnostic::error("sunset-before-deprecation", format!("version `{version}` sunsets on {sunset}, before its deprecation on {deprecated}"))
                        .in_file(crate::project::CONFIG_FILE)
                        .with_hint("a version is deprecated first and sunset later: fix one of the dates"),
                );
        }
        if semver::Version::parse(version).map_or(true, |number| project.version(&number).is_none())
        {
            diagnostics.push(
                Diagnostic::warning(
                    "unknown-version",
                    format!("`[versions.\"{version}\"]` names a version that is not released"),
                )
                .in_file(crate::project::CONFIG_FILE)
                .with_hint("use the number of a released version folder, without the `v`"),
            );
        }
    }
}

/// `[clients.pins]`: each pin names a client hash and a supported version.
fn check_client_pins(
    project: &Project,
    supported: &BTreeSet<semver::Version>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let clients = &project.config.clients;
    if clients.header.is_none() && !clients.pins.is_empty() {
        diagnostics.push(
            Diagnostic::error(
                "pins-without-client-header",
                "`[clients.pins]` pins clients, but `[clients]` names no `header` to tell them apart",
            )
            .in_file(crate::project::CONFIG_FILE)
            .with_hint("set `header` in `[clients]` (for example `header = \"Authorization\"`)"),
        );
    }
    for (client, version) in &clients.pins {
        if !crate::is_client_hash(client) {
            diagnostics.push(
                Diagnostic::error(
                    "bad-client-pin",
                    format!("`[clients.pins]` key `{client}` is not a client hash"),
                )
                .in_file(crate::project::CONFIG_FILE)
                .with_hint("use the 16 hex digits that `apivolve usage` shows, or compute them with `apivolve client-hash VALUE`"),
            );
        }
        if !supported.iter().any(|number| pin_matches(version, number)) {
            diagnostics.push(
                Diagnostic::error(
                    "bad-client-pin",
                    format!("client `{client}` is pinned to `{version}`, which names no supported version"),
                )
                .in_file(crate::project::CONFIG_FILE)
                .with_hint("pin to a supported version (`1`, `1.2` or `1.2.3`), or remove the pin"),
            );
        }
    }
}

/// Whether a pin such as `1`, `v1.2` or `1.2.3` names `version`.
fn pin_matches(pin: &str, version: &semver::Version) -> bool {
    let pin = pin.strip_prefix('v').unwrap_or(pin);
    let parts: Vec<&str> = pin.split('.').collect();
    let wanted = [version.major, version.minor, version.patch];
    !parts.is_empty()
        && parts.len() <= 3
        && parts
            .iter()
            .zip(wanted)
            .all(|(part, number)| part.parse::<u64>() == Ok(number))
}

/// Lint: an endpoint whose shape differs across too many supported versions.
fn check_live_versions(
    project: &Project,
    history: &History,
    supported: &BTreeSet<semver::Version>,
    changed: &BTreeMap<semver::Version, BTreeSet<String>>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let limit = project.config.policy.max_live_versions_per_endpoint;
    let chain: Vec<&semver::Version> = history
        .chain
        .iter()
        .filter(|v| supported.contains(*v))
        .collect();
    let mut shapes: BTreeMap<String, usize> = BTreeMap::new();
    for pair in chain.windows(2) {
        let (older, newer) = (pair[0], pair[1]);
        let is_parent = project
            .version(newer)
            .and_then(|dir| dir.release.parent.as_ref())
            == Some(older);
        let endpoints: BTreeSet<String> = match changed.get(newer).filter(|_| is_parent) {
            Some(endpoints) => endpoints.clone(),
            None => match (history.snapshot(older), history.snapshot(newer)) {
                (Some(before), Some(after)) => diff(before, after)
                    .into_iter()
                    .filter_map(|finding| finding.location.endpoint)
                    .collect(),
                _ => BTreeSet::new(),
            },
        };
        for endpoint in endpoints {
            *shapes.entry(endpoint).or_insert(1) += 1;
        }
    }
    for (endpoint, count) in shapes.into_iter().filter(|(_, count)| *count > limit) {
        diagnostics.push(
            Diagnostic::warning("too-many-live-versions", format!("endpoint `{endpoint}` has {count} different shapes across the supported versions (policy: at most {limit})"))
                .in_file(crate::project::CONFIG_FILE)
                .with_hint("deprecate and retire older versions, or raise `policy.max_live_versions_per_endpoint`"),
        );
    }
}

/// Validation errors reported per example body; the rest are counted.
const EXAMPLE_ERRORS: usize = 3;

/// Lint: every example is valid against the schema of its version (pending: the pending schema).
fn check_examples(project: &Project, history: &History, diagnostics: &mut Vec<Diagnostic>) {
    for dir in &project.versions {
        if let Some(snapshot) = history.snapshot(&dir.version) {
            for evolution in &dir.evolutions {
                check_evolution_examples(evolution, snapshot, diagnostics);
            }
        }
    }
    if let Some(pending) = &history.pending {
        for evolution in &project.pending {
            check_evolution_examples(evolution, &pending.snapshot, diagnostics);
        }
    }
}

fn check_evolution_examples(
    evolution: &Evolution,
    snapshot: &Snapshot,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (index, example) in evolution.file.examples.iter().enumerate() {
        let at = format!("/examples/{index}");
        let Some(endpoint) = snapshot.endpoints.get(&example.endpoint) else {
            let known: Vec<&str> = snapshot.endpoints.keys().map(String::as_str).collect();
            diagnostics.push(
                evolution.diagnostic(
                    Diagnostic::error(
                        "invalid-example",
                        format!(
                            "example names endpoint `{}`, which does not exist at this version",
                            example.endpoint
                        ),
                    )
                    .with_hint(suggest(&example.endpoint, &known, "endpoints")),
                    &format!("{at}/endpoint"),
                ),
            );
            continue;
        };
        if let Some(request) = &example.request {
            let pointer = format!("{at}/request");
            match &endpoint.request {
                Some(body) => {
                    let what = format!("the request of `{}`", endpoint.id);
                    validate_example(evolution, snapshot, &body.schema, request, &what, &pointer, diagnostics);
                }
                None => diagnostics.push(evolution.diagnostic(
                    Diagnostic::error("invalid-example", format!("endpoint `{}` takes no request body", endpoint.id))
                        .with_hint("remove `request` from the example, or give the endpoint a request with `set_request`"),
                    &pointer,
                )),
            }
        }
        if let Some(response) = &example.response {
            let status = example.status.unwrap_or(200);
            let pointer = format!("{at}/response");
            match endpoint.responses.get(&status) {
                Some(body) => {
                    let what = format!("the {status} response of `{}`", endpoint.id);
                    validate_example(
                        evolution,
                        snapshot,
                        &body.schema,
                        response,
                        &what,
                        &pointer,
                        diagnostics,
                    );
                }
                None => {
                    let statuses: Vec<String> = endpoint
                        .responses
                        .keys()
                        .map(|s| format!("`{s}`"))
                        .collect();
                    diagnostics.push(
                        evolution.diagnostic(
                            Diagnostic::error(
                                "invalid-example",
                                format!("endpoint `{}` has no {status} response", endpoint.id),
                            )
                            .with_hint(format!(
                                "set the example's `status` to one the endpoint answers: {}",
                                statuses.join(", ")
                            )),
                            &pointer,
                        ),
                    );
                }
            }
        }
    }
}

/// Validates one example body; each error is a diagnostic at the offending value.
fn validate_example(
    evolution: &Evolution,
    snapshot: &Snapshot,
    schema: &Schema,
    instance: &serde_json::Value,
    what: &str,
    pointer: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let document = body_schema(snapshot, schema);
    let validator = match jsonschema::draft202012::new(&document) {
        Ok(validator) => validator,
        Err(error) => {
            diagnostics.push(evolution.diagnostic(
                Diagnostic::error("invalid-example", format!("the schema of {what} does not compile, so the example cannot be checked: {error}"))
                    .with_hint("fix the schema in the change that sets it"),
                pointer,
            ));
            return;
        }
    };
    let errors: Vec<_> = validator.iter_errors(instance).collect();
    for (number, error) in errors.iter().take(EXAMPLE_ERRORS).enumerate() {
        let path = error.instance_path().as_str();
        let place = if path.is_empty() {
            String::new()
        } else {
            format!(" at `{path}`")
        };
        let mut message = format!("example does not match {what}{place}: {error}");
        if number + 1 == EXAMPLE_ERRORS && errors.len() > EXAMPLE_ERRORS {
            message.push_str(&format!(" (and {} more)", errors.len() - EXAMPLE_ERRORS));
        }
        diagnostics.push(evolution.diagnostic(
            Diagnostic::error("invalid-example", message)
                .with_hint("examples are checked against the schema of their version; fix the example or the schema"),
            &format!("{pointer}{path}"),
        ));
    }
}
