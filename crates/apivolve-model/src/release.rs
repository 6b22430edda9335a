//! `apivolve release`: freeze the pending evolutions into a new version folder.
//!
//! The version number comes from the findings between the parent and the pending schema. The
//! pending files move into `vX.Y.Z/` with a numeric prefix that keeps their order, and
//! `release.toml` records the parent, the parent's hash, each file's hash and the chained hash.
//! Two branches that release the same number both create `vX.Y.Z/release.toml` with different
//! hashes, which git reports as an add/add conflict instead of merging silently.

use std::collections::BTreeMap;
use std::fs;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::check::{CheckOptions, CheckReport, check};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::findings::Bump;
use crate::hash::{file_hash, version_hash};
use crate::project::{Project, RELEASE_FILE, Release};
use crate::semver_bump::JudgedFinding;

/// What a release will do.
#[derive(Debug)]
pub struct ReleasePlan {
    /// The new version.
    pub version: semver::Version,
    /// Its parent.
    pub parent: Option<semver::Version>,
    /// The computed bump.
    pub bump: Bump,
    /// Files to move, from and to (relative to the project folder).
    pub moves: Vec<(PathBuf, PathBuf)>,
    /// The release file to write.
    pub release: Release,
    /// The findings that decided the bump.
    pub findings: Vec<JudgedFinding>,
}

/// Options of a release.
#[derive(Clone, Debug)]
pub struct ReleaseOptions {
    /// Build on this version instead of latest.
    pub parent: Option<semver::Version>,
    /// The release date.
    pub date: NaiveDate,
}

/// Plans a release of the pending evolutions.
///
/// # Errors
///
/// When there is nothing pending, when the project does not check clean (the report comes back
/// in [`PlanError::Invalid`]), or when the computed version already exists.
pub fn plan_release(
    project: &Project,
    load_diagnostics: Vec<Diagnostic>,
    options: &ReleaseOptions,
) -> Result<ReleasePlan, PlanError> {
    if project.pending.is_empty() {
        return Err(PlanError::Refused(Error::Release(
            "nothing to release: there are no pending evolutions".to_owned(),
        )));
    }
    if let Some(parent) = &options.parent
        && project.version(parent).is_none()
    {
        return Err(PlanError::Refused(Error::UnknownVersion(
            parent.to_string(),
        )));
    }
    let report = check(
        project,
        load_diagnostics,
        &CheckOptions {
            pending_parent: options.parent.clone(),
        },
    );
    if !report.is_clean() {
        return Err(PlanError::Invalid(Box::new(report)));
    }
    let Some(pending) = report.pending else {
        return Err(PlanError::Refused(Error::Release(
            "nothing to release".to_owned(),
        )));
    };
    if project.version(&pending.next).is_some() {
        return Err(PlanError::Refused(Error::Release(format!(
            "version `{}` exists already; release on another parent with `--parent`, or rebase the pending evolutions",
            pending.next
        ))));
    }
    let dir = PathBuf::from(format!("v{}", pending.next));
    let mut moves = Vec::new();
    let mut files = BTreeMap::new();
    for (index, evolution) in project.pending.iter().enumerate() {
        let name = evolution.file_name();
        let stem = strip_number(&name);
        let target = format!("{:04}-{stem}", index + 1);
        files.insert(target.clone(), file_hash(&evolution.file));
        moves.push((evolution.path.clone(), dir.join(target)));
    }
    let parent_hash = pending
        .parent
        .as_ref()
        .and_then(|parent| project.version(parent))
        .map(|dir| dir.release.hash.clone());
    let hash = version_hash(&pending.next, parent_hash.as_deref(), &files);
    let release = Release {
        version: pending.next.clone(),
        parent: pending.parent.clone(),
        parent_hash,
        hash,
        date: Some(options.date),
        files,
    };
    Ok(ReleasePlan {
        version: pending.next,
        parent: pending.parent,
        bump: pending.bump,
        moves,
        release,
        findings: pending.findings,
    })
}

/// Why a release cannot be planned.
#[derive(Debug)]
pub enum PlanError {
    /// The project has errors: the full report.
    Invalid(Box<CheckReport>),
    /// The release itself is refused.
    Refused(Error),
}

/// Carries out a plan: creates the folder, moves the files, writes `release.toml`.
///
/// # Errors
///
/// When a file cannot be moved or written; files moved before the failure are moved back.
pub fn execute_release(project: &Project, plan: &ReleasePlan) -> Result<()> {
    let dir = project.root.join(format!("v{}", plan.version));
    fs::create_dir(&dir).map_err(|error| Error::io(&dir, error))?;
    let mut done: Vec<(PathBuf, PathBuf)> = Vec::new();
    let result = (|| {
        for (from, to) in &plan.moves {
            let (from, to) = (project.root.join(from), project.root.join(to));
            fs::rename(&from, &to).map_err(|error| Error::io(&from, error))?;
            done.push((from, to));
        }
        let text = release_toml(&plan.release);
        let path = dir.join(RELEASE_FILE);
        fs::write(&path, text).map_err(|error| Error::io(&path, error))
    })();
    if result.is_err() {
        // Leave the project as it was: pending files back at the top level, no half folder.
        for (from, to) in done.iter().rev() {
            let _ = fs::rename(to, from);
        }
        let _ = fs::remove_dir_all(&dir);
    }
    result
}

/// The text of a `release.toml`.
pub fn release_toml(release: &Release) -> String {
    let body = toml::to_string(release).unwrap_or_default();
    format!(
        "# Written by `apivolve release`. Do not edit: `apivolve check` verifies these hashes.\n{body}"
    )
}

fn strip_number(name: &str) -> &str {
    match name.split_once('-') {
        Some((number, rest))
            if !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()) =>
        {
            rest
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_prefixes_are_replaced() {
        assert_eq!(strip_number("0003-user.yaml"), "user.yaml");
        assert_eq!(strip_number("user-name.yaml"), "user-name.yaml");
    }
}
