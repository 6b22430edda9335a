//! Loading an API project: `apivolve.toml`, released version folders and pending evolutions.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::change::{Change, EvolutionFile};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::yaml::{self, Position, SourceMap};

/// The name of the project file.
pub const CONFIG_FILE: &str = "apivolve.toml";
/// The name of a version folder's release file.
pub const RELEASE_FILE: &str = "release.toml";

/// A file's text and the positions of its nodes.
#[derive(Clone, Debug, Default)]
pub struct Source {
    /// The file's text.
    pub text: String,
    /// JSON pointer to position.
    pub map: SourceMap,
}

/// One evolution file, parsed.
#[derive(Clone, Debug)]
pub struct Evolution {
    /// Path relative to the project folder (`v1.0.0/0001-initial.yaml`).
    pub path: PathBuf,
    /// The file's content.
    pub file: EvolutionFile,
    /// The file's content as JSON, as written (for hashing).
    pub raw: Value,
    /// The text and positions.
    pub source: Source,
}

impl Evolution {
    /// The file name (`0001-initial.yaml`).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Where the node at `pointer` (a JSON pointer into the file) starts.
    pub fn locate(&self, pointer: &str) -> Position {
        self.source.map.locate(pointer)
    }

    /// A diagnostic at `pointer` in this file.
    pub fn diagnostic(&self, diagnostic: Diagnostic, pointer: &str) -> Diagnostic {
        diagnostic.in_file(&self.path).at(self.locate(pointer))
    }
}

/// `release.toml`: a released version's place in the lineage and its hashes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The version number.
    pub version: semver::Version,
    /// The parent version (absent for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<semver::Version>,
    /// The parent's hash, as it was at release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_hash: Option<String>,
    /// The hash of this version (its files, chained to the parent's hash).
    pub hash: String,
    /// The release date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The hash of each evolution file, by file name.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

/// A released version folder.
#[derive(Clone, Debug)]
pub struct VersionDir {
    /// The version number.
    pub version: semver::Version,
    /// The folder, relative to the project folder (`v1.0.0`).
    pub dir: PathBuf,
    /// Its `release.toml`.
    pub release: Release,
    /// Its evolutions, in file-name order.
    pub evolutions: Vec<Evolution>,
}

impl VersionDir {
    /// Every change of this version in order, with its file and index.
    pub fn changes(&self) -> impl Iterator<Item = (&Evolution, usize, &Change)> {
        changes_of(&self.evolutions)
    }
}

/// Every change of a list of evolutions in order, with its file and index.
pub fn changes_of(evolutions: &[Evolution]) -> impl Iterator<Item = (&Evolution, usize, &Change)> {
    evolutions.iter().flat_map(|evolution| {
        evolution
            .file
            .changes
            .iter()
            .enumerate()
            .map(move |(index, change)| (evolution, index, change))
    })
}

/// An API project as found on disk.
#[derive(Clone, Debug)]
pub struct Project {
    /// The project folder.
    pub root: PathBuf,
    /// `apivolve.toml`.
    pub config: Config,
    /// Released versions, sorted by version number.
    pub versions: Vec<VersionDir>,
    /// Pending evolutions (top level), in file-name order.
    pub pending: Vec<Evolution>,
}

impl Project {
    /// Loads a project folder, collecting every problem as a diagnostic.
    ///
    /// # Errors
    ///
    /// Only when the folder cannot be read or has no `apivolve.toml`; problems in the files'
    /// content come back as diagnostics so they can all be reported at once.
    pub fn load(root: impl AsRef<Path>) -> Result<(Self, Vec<Diagnostic>)> {
        let mut listing = Listing::read(root.as_ref())?;
        let mut versions = Vec::with_capacity(listing.versions.len());
        listing.load_versions(|dir| versions.push(dir))?;
        let pending = listing.load_pending()?;
        Ok((
            Self {
                root: listing.root,
                config: listing.config,
                versions,
                pending,
            },
            listing.diagnostics,
        ))
    }

    /// The released version `version`, if any.
    pub fn version(&self, version: &semver::Version) -> Option<&VersionDir> {
        self.versions.iter().find(|dir| &dir.version == version)
    }

    /// The newest released version.
    pub fn latest(&self) -> Option<&VersionDir> {
        self.versions.last()
    }
}

/// A project folder's configuration and the files it lists, read before the evolution files;
/// [`Project::load`] in steps, so that [`load_and_check`](crate::load_and_check) can fold each
/// version while the next one is read.
pub(crate) struct Listing {
    pub(crate) root: PathBuf,
    pub(crate) config: Config,
    /// The problems found so far.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Version folders (name, version), by version.
    versions: Vec<(String, semver::Version)>,
    /// Pending evolution files, in name order.
    pending: Vec<String>,
}

impl Listing {
    /// Reads `apivolve.toml` and lists the folder.
    ///
    /// # Errors
    ///
    /// When the folder cannot be read or has no `apivolve.toml`.
    pub(crate) fn read(root: &Path) -> Result<Self> {
        let root = root.to_path_buf();
        let config_path = root.join(CONFIG_FILE);
        if !config_path.is_file() {
            return Err(Error::NotAProject(root));
        }
        let mut diagnostics = Vec::new();
        let config_text = read(&config_path)?;
        let config = match toml::from_str::<Config>(&config_text) {
            Ok(config) => config,
            Err(error) => {
                diagnostics.push(toml_diagnostic(&error, &config_text, CONFIG_FILE));
                // Keep going with defaults so the evolutions are still checked.
                Config::named("api")
            }
        };
        let mut versions = Vec::new();
        let mut pending = Vec::new();
        for entry in sorted_entries(&root)? {
            let name = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if entry.is_dir() {
                let Some(number) = name.strip_prefix('v') else {
                    continue;
                };
                let Ok(version) = semver::Version::parse(number) else {
                    continue;
                };
                versions.push((name, version));
            } else if is_evolution_file(&name) {
                pending.push(name);
            }
        }
        // Stable: folders naming the same version keep their name order.
        versions.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(Self {
            root,
            config,
            diagnostics,
            versions,
            pending,
        })
    }

    /// Reads every version folder, oldest version first, handing each to `each` as it is read.
    ///
    /// # Errors
    ///
    /// When a file cannot be read.
    pub(crate) fn load_versions(&mut self, mut each: impl FnMut(VersionDir)) -> Result<()> {
        for (name, version) in std::mem::take(&mut self.versions) {
            if let Some(dir) = load_version(&self.root, &name, version, &mut self.diagnostics)? {
                each(dir);
            }
        }
        Ok(())
    }

    /// Reads the pending evolution files.
    ///
    /// # Errors
    ///
    /// When a file cannot be read.
    pub(crate) fn load_pending(&mut self) -> Result<Vec<Evolution>> {
        let mut pending = Vec::with_capacity(self.pending.len());
        for name in std::mem::take(&mut self.pending) {
            if let Some(evolution) =
                load_evolution(&self.root, Path::new(&name), &mut self.diagnostics)?
            {
                pending.push(evolution);
            }
        }
        Ok(pending)
    }
}

fn is_evolution_file(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|error| Error::io(path, error))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = fs::read_dir(dir)
        .map_err(|error| Error::io(dir, error))?
        .map(|entry| {
            entry
                .map(|entry| entry.path())
                .map_err(|error| Error::io(dir, error))
        })
        .collect::<Result<Vec<_>>>()?;
    entries.sort();
    Ok(entries)
}

fn load_version(
    root: &Path,
    name: &str,
    version: semver::Version,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<VersionDir>> {
    let dir = PathBuf::from(name);
    let release_path = dir.join(RELEASE_FILE);
    let full = root.join(&release_path);
    if !full.is_file() {
        diagnostics.push(
            Diagnostic::error(
                "missing-release-file",
                format!("version folder `{name}` has no `{RELEASE_FILE}`"),
            )
            .in_file(&dir)
            .with_hint(
                "run `apivolve release` to create version folders; do not create them by hand",
            ),
        );
        return Ok(None);
    }
    let text = read(&full)?;
    let release = match toml::from_str::<Release>(&text) {
        Ok(release) => release,
        Err(error) => {
            diagnostics.push(toml_diagnostic(&error, &text, &release_path));
            return Ok(None);
        }
    };
    if release.version != version {
        diagnostics.push(
            Diagnostic::error(
                "release-version-mismatch",
                format!(
                    "folder `{name}` holds a release of version `{}`",
                    release.version
                ),
            )
            .in_file(&release_path)
            .at(Position {
                line: 1,
                column: 1,
                offset: 0,
            })
            .with_hint(format!(
                "name the folder `v{}` or fix `version` in `{RELEASE_FILE}`",
                release.version
            )),
        );
    }
    let mut evolutions = Vec::new();
    for entry in sorted_entries(&root.join(&dir))? {
        let file = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if is_evolution_file(&file)
            && let Some(evolution) = load_evolution(root, &dir.join(&file), diagnostics)?
        {
            evolutions.push(evolution);
        }
    }
    Ok(Some(VersionDir {
        version,
        dir,
        release,
        evolutions,
    }))
}

/// Parses one evolution file; content problems become diagnostics.
fn load_evolution(
    root: &Path,
    path: &Path,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Option<Evolution>> {
    let text = read(&root.join(path))?;
    match parse_evolution(path, &text) {
        Ok(evolution) => Ok(Some(evolution)),
        Err(diagnostic) => {
            diagnostics.push(*diagnostic);
            Ok(None)
        }
    }
}

/// Parses the text of an evolution file.
///
/// # Errors
///
/// A diagnostic with the file, line, column and a hint when the text is not valid YAML or not a
/// valid evolution.
pub fn parse_evolution(path: &Path, text: &str) -> Result<Evolution, Box<Diagnostic>> {
    let (raw, map) = yaml::parse(text).map_err(|error| {
        Box::new(
            Diagnostic::error("invalid-yaml", error.message)
                .in_file(path)
                .at(error.position)
                .with_hint("fix the YAML syntax; quote strings that contain `:` or `#`"),
        )
    })?;
    let file: EvolutionFile = serde_path_to_error::deserialize(&raw).map_err(|error| {
        let pointer = path_to_pointer(error.path());
        let message = error.inner().to_string();
        let hint = hint_for(&message);
        Box::new(
            Diagnostic::error("invalid-evolution", message)
                .in_file(path)
                .at(map.locate(&pointer))
                .with_hint(hint),
        )
    })?;
    Ok(Evolution {
        path: path.to_path_buf(),
        file,
        raw,
        source: Source {
            text: text.to_owned(),
            map,
        },
    })
}

fn path_to_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer.push_str(&format!("/{}", yaml::escape(key))),
            Segment::Enum { variant } => pointer.push_str(&format!("/{}", yaml::escape(variant))),
            Segment::Unknown => {}
        }
    }
    pointer
}

/// A hint for a serde message: the closest expected name for an unknown one.
fn hint_for(message: &str) -> String {
    let unknown = message
        .strip_prefix("unknown variant `")
        .or_else(|| message.strip_prefix("unknown field `"))
        .and_then(|rest| rest.split_once('`'));
    if let Some((name, rest)) = unknown {
        let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        if let Some(best) = closest(name, &expected) {
            return format!(
                "did you mean `{best}`? (`apivolve schema evolution` prints the file format)"
            );
        }
    }
    "`apivolve schema evolution` prints the file format; point your editor's YAML support at it"
        .to_owned()
}

/// The candidate closest to `name` by edit distance, if reasonably close.
pub(crate) fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (edit_distance(name, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len().max(name.len()) / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}

/// A diagnostic for a TOML error, with its position.
fn toml_diagnostic(error: &toml::de::Error, text: &str, path: impl Into<PathBuf>) -> Diagnostic {
    let mut diagnostic = Diagnostic::error("invalid-toml", error.message().to_owned())
        .in_file(path)
        .with_hint("see the project's README for the keys of this file");
    if let Some(span) = error.span() {
        diagnostic = diagnostic.at(offset_position(text, span.start));
    }
    diagnostic
}

/// The line and column of a byte offset.
pub(crate) fn offset_position(text: &str, offset: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    Position {
        line,
        column,
        offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_change_kind_points_at_it_with_a_suggestion() {
        let text = "description: d\nchanges:\n  - renam_field: {type: User, from: a, to: b}\n";
        let diagnostic = parse_evolution(Path::new("x.yaml"), text).unwrap_err();
        assert_eq!(diagnostic.position.map(|p| p.line), Some(3));
        assert!(
            diagnostic.message.contains("unknown variant `renam_field`"),
            "{}",
            diagnostic.message
        );
        assert!(
            diagnostic
                .hint
                .as_deref()
                .unwrap_or("")
                .contains("`rename_field`"),
            "{diagnostic:?}"
        );
    }

    #[test]
    fn unknown_key_in_change_points_inside_it() {
        let text = "description: d\nchanges:\n  - rename_field:\n      type: User\n      form: a\n      to: b\n";
        let diagnostic = parse_evolution(Path::new("x.yaml"), text).unwrap_err();
        assert!(
            diagnostic.message.contains("form"),
            "{}",
            diagnostic.message
        );
        assert!(diagnostic.position.map(|p| p.line).unwrap_or(0) >= 3);
        assert!(
            diagnostic.hint.as_deref().unwrap_or("").contains("`from`"),
            "{diagnostic:?}"
        );
    }

    #[test]
    fn offsets_become_lines_and_columns() {
        let position = offset_position("ab\ncd\nef", 4);
        assert_eq!((position.line, position.column), (2, 2));
    }
}
