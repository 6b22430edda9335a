//! Changelogs: per version, the evolutions' descriptions and the findings, breaking first.

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::findings::{Bump, Direction, Level, Rule};
use crate::history::History;
use crate::project::Project;
use crate::semver_bump::{JudgedFinding, bump_of, judged_findings};

/// The changelog of one version.
#[derive(Debug, Serialize)]
pub struct VersionChangelog {
    /// The version.
    pub version: semver::Version,
    /// Its parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<semver::Version>,
    /// Its release date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// The bump its findings ask for.
    pub bump: Bump,
    /// The evolutions' descriptions, in order.
    pub descriptions: Vec<String>,
    /// Findings, breaking first.
    pub findings: Vec<JudgedFinding>,
}

/// The changelog of the versions on latest's chain after `from` (exclusive) up to `to` (inclusive).
pub fn changelog(
    project: &Project,
    history: &History,
    from: Option<&semver::Version>,
    to: Option<&semver::Version>,
) -> Vec<VersionChangelog> {
    let mut entries = Vec::new();
    for version in &history.chain {
        if from.is_some_and(|from| version <= from) || to.is_some_and(|to| version > to) {
            continue;
        }
        let Some(dir) = project.version(version) else {
            continue;
        };
        let Some(after) = history.snapshot(version) else {
            continue;
        };
        let before = dir
            .release
            .parent
            .as_ref()
            .and_then(|parent| history.snapshot(parent))
            .cloned()
            .unwrap_or_default();
        let mut findings = judged_findings(&before, after, &dir.evolutions);
        findings.sort_by_key(|judged| (judged.finding.level, judged.suppressed.is_some()));
        entries.push(VersionChangelog {
            version: version.clone(),
            parent: dir.release.parent.clone(),
            date: dir.release.date,
            bump: bump_of(&findings),
            descriptions: dir
                .evolutions
                .iter()
                .map(|evolution| evolution.file.description.trim().to_owned())
                .collect(),
            findings,
        });
    }
    entries.reverse();
    entries
}

/// The changelog as Markdown, newest version first.
pub fn changelog_markdown(title: &str, entries: &[VersionChangelog]) -> String {
    let mut out = format!("# Changelog of {title}\n");
    for entry in entries {
        let date = entry
            .date
            .map(|date| format!(" ({date})"))
            .unwrap_or_default();
        let _ = writeln!(out, "\n## {}{date}\n", entry.version);
        let bump = format!("{:?}", entry.bump).to_lowercase();
        match &entry.parent {
            Some(parent) => {
                let _ = writeln!(out, "A {bump} release over {parent}.\n");
            }
            None => {
                let _ = writeln!(out, "The first release.\n");
            }
        }
        for description in &entry.descriptions {
            let _ = writeln!(out, "{description}\n");
        }
        let breaking: Vec<_> = entry
            .findings
            .iter()
            .filter(|f| f.finding.level == Level::Breaking && f.suppressed.is_none())
            .collect();
        if !breaking.is_empty() {
            let _ = writeln!(out, "### Breaking changes\n");
            for judged in breaking {
                let _ = writeln!(
                    out,
                    "- {}\n  - What to change: {}",
                    judged.finding.message,
                    client_action(judged)
                );
            }
            out.push('\n');
        }
        let other: Vec<_> = entry
            .findings
            .iter()
            .filter(|f| f.finding.level != Level::Breaking || f.suppressed.is_some())
            .collect();
        if !other.is_empty() && entry.parent.is_some() {
            let _ = writeln!(out, "### Other changes\n");
            for judged in other {
                let note = match (&judged.suppressed, judged.finding.level) {
                    (Some(reason), _) => format!(" (accepted: {reason})"),
                    (None, Level::PotentiallyBreaking) => " (potentially breaking)".to_owned(),
                    _ => String::new(),
                };
                let _ = writeln!(out, "- {}{note}", judged.finding.message);
            }
        }
    }
    out
}

/// What a client of the new version must do about a breaking finding.
fn client_action(judged: &JudgedFinding) -> &'static str {
    match judged.finding.rule {
        Rule::CustomBreakingChange | Rule::CustomAdditiveChange | Rule::CustomPatchChange => {
            return "adapt to the behaviour described above; clients pinned to the previous version keep the old behaviour";
        }
        Rule::StatusCodeChanged => {
            return "expect the new status code; clients pinned to the previous version keep receiving the old one";
        }
        _ => {}
    }
    match judged.finding.direction {
        Direction::Request => {
            "update the requests you send to this endpoint to the new schema; clients pinned to the previous version keep working unchanged"
        }
        Direction::Response => {
            "update how you read this response; clients pinned to the previous version keep receiving the old shape"
        }
        Direction::Endpoint => {
            "move to the endpoint's new route or successor; clients pinned to the previous version keep the old route"
        }
    }
}
