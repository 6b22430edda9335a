//! From findings to a semver bump, with the suppressions written in evolution files.

use serde::Serialize;

use crate::findings::{Bump, Finding, Level, declared_findings, diff};
use crate::project::{Evolution, changes_of};
use crate::snapshot::Snapshot;

/// A finding and whether an evolution accepted it on purpose.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JudgedFinding {
    /// The finding.
    #[serde(flatten)]
    pub finding: Finding,
    /// The reason given by the suppression that matched, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
}

impl JudgedFinding {
    /// What this finding asks of the version number.
    pub fn bump(&self) -> Bump {
        match (&self.suppressed, self.finding.level) {
            (Some(_), Level::Breaking) => Bump::Minor,
            _ => self.finding.bump(),
        }
    }
}

/// The findings of a set of evolutions that turned `before` into `after`: the schema diff and
/// what the changes declare, judged against the evolutions' suppressions.
pub fn judged_findings(
    before: &Snapshot,
    after: &Snapshot,
    evolutions: &[Evolution],
) -> Vec<JudgedFinding> {
    let mut findings = diff(before, after);
    findings.extend(declared_findings(
        changes_of(evolutions).map(|(_, _, change)| change),
    ));
    judge(findings, evolutions)
}

/// Matches findings against the `suppress` entries of `evolutions`.
pub fn judge(findings: Vec<Finding>, evolutions: &[Evolution]) -> Vec<JudgedFinding> {
    findings
        .into_iter()
        .map(|finding| {
            let suppressed = evolutions
                .iter()
                .flat_map(|evolution| evolution.file.suppress.iter())
                .find(|suppression| {
                    suppression.rule == finding.rule.id()
                        && suppression.endpoint.as_ref().is_none_or(|endpoint| {
                            finding.location.endpoint.as_ref() == Some(endpoint)
                        })
                })
                .map(|suppression| suppression.reason.clone());
            JudgedFinding {
                finding,
                suppressed,
            }
        })
        .collect()
}

/// The bump a set of judged findings asks for (patch when there are none).
pub fn bump_of(findings: &[JudgedFinding]) -> Bump {
    findings
        .iter()
        .map(JudgedFinding::bump)
        .max()
        .unwrap_or(Bump::Patch)
}

/// The version after `parent` for a bump (`1.0.0` for a first release).
pub fn next_version(parent: Option<&semver::Version>, bump: Bump) -> semver::Version {
    match parent {
        None => semver::Version::new(1, 0, 0),
        Some(parent) => match bump {
            Bump::Major => semver::Version::new(parent.major + 1, 0, 0),
            Bump::Minor => semver::Version::new(parent.major, parent.minor + 1, 0),
            Bump::Patch => semver::Version::new(parent.major, parent.minor, parent.patch + 1),
        },
    }
}

/// The bump that `version` makes over `parent`.
pub fn bump_between(parent: &semver::Version, version: &semver::Version) -> Bump {
    if version.major != parent.major {
        Bump::Major
    } else if version.minor != parent.minor {
        Bump::Minor
    } else {
        Bump::Patch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_versions() {
        let parent = semver::Version::new(1, 4, 2);
        assert_eq!(
            next_version(Some(&parent), Bump::Major).to_string(),
            "2.0.0"
        );
        assert_eq!(
            next_version(Some(&parent), Bump::Minor).to_string(),
            "1.5.0"
        );
        assert_eq!(
            next_version(Some(&parent), Bump::Patch).to_string(),
            "1.4.3"
        );
        assert_eq!(next_version(None, Bump::Patch).to_string(), "1.0.0");
    }

    #[test]
    fn bumps_between_versions() {
        let parent = semver::Version::new(1, 4, 2);
        assert_eq!(
            bump_between(&parent, &semver::Version::new(2, 0, 0)),
            Bump::Major
        );
        assert_eq!(
            bump_between(&parent, &semver::Version::new(1, 5, 0)),
            Bump::Minor
        );
        assert_eq!(
            bump_between(&parent, &semver::Version::new(1, 4, 3)),
            Bump::Patch
        );
    }
}
