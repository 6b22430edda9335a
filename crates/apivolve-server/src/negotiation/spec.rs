//! What a client writes to name a version (`v1`, `1.2`, `1.2.3`, `latest`) and how it resolves
//! against the served chain.

use semver::Version;

use super::VersionInfo;

/// A version as a client names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum VersionSpec {
    /// `latest` or `current`: the newest servable version.
    Latest,
    /// `v1`, `1`: the newest servable `1.x.y`.
    Major(u64),
    /// `1.2`, `v1.2`: the newest servable `1.2.y`.
    Minor(u64, u64),
    /// `1.2.3` (also with a pre-release or build part): exactly that version.
    Exact(Version),
}

impl VersionSpec {
    /// Parses a token; `None` when it does not look like a version at all.
    pub(crate) fn parse(token: &str) -> Option<Self> {
        let token = token.trim();
        if token.eq_ignore_ascii_case("latest") || token.eq_ignore_ascii_case("current") {
            return Some(Self::Latest);
        }
        let number = token.strip_prefix(['v', 'V']).unwrap_or(token);
        if number.contains(['-', '+']) {
            return Version::parse(number).ok().map(Self::Exact);
        }
        let mut parts = Vec::with_capacity(3);
        for part in number.split('.') {
            if part.is_empty() || !part.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            parts.push(part.parse::<u64>().ok()?);
        }
        match parts[..] {
            [major] => Some(Self::Major(major)),
            [major, minor] => Some(Self::Minor(major, minor)),
            [major, minor, patch] => Some(Self::Exact(Version::new(major, minor, patch))),
            _ => None,
        }
    }

    /// Whether `version` is one this spec names.
    fn matches(&self, version: &Version) -> bool {
        match self {
            Self::Latest => true,
            Self::Major(major) => version.major == *major && version.pre.is_empty(),
            Self::Minor(major, minor) => {
                version.major == *major && version.minor == *minor && version.pre.is_empty()
            }
            Self::Exact(exact) => version == exact,
        }
    }

    /// Whether every version this spec names is newer than `latest`.
    fn is_newer_than(&self, latest: &Version) -> bool {
        match self {
            Self::Latest => false,
            Self::Major(major) => *major > latest.major,
            Self::Minor(major, minor) => (*major, *minor) > (latest.major, latest.minor),
            Self::Exact(exact) => exact > latest,
        }
    }
}

/// Why a spec named no servable version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// No served version matches, and some are newer than the spec.
    Unknown,
    /// The spec names only versions newer than the newest served one.
    Newer,
    /// The version exists but is not supported any more.
    Unsupported(Version),
}

/// Whether a client without preview opt-in may be given this version by a partial spec.
fn is_eligible(info: &VersionInfo, preview_opt_in: bool) -> bool {
    info.is_live() && (preview_opt_in || !info.lifecycle.preview)
}

/// Resolves `spec` against `versions` (oldest first, not empty).
///
/// Partial specs (`latest`, `1`, `1.2`) pick the newest match that is supported, not retired and
/// not in preview (unless the client opted in); when no match is, the newest match is taken so the
/// error or the lifecycle gate can say why. An exact spec picks that version.
pub(crate) fn resolve<'a>(
    spec: &VersionSpec,
    versions: &'a [VersionInfo],
    preview_opt_in: bool,
) -> Result<&'a VersionInfo, Unresolved> {
    let mut matching = versions
        .iter()
        .rev()
        .filter(|info| spec.matches(&info.version))
        .peekable();
    let Some(&newest) = matching.peek() else {
        let newer = versions
            .last()
            .is_some_and(|latest| spec.is_newer_than(&latest.version));
        return Err(if newer {
            Unresolved::Newer
        } else {
            Unresolved::Unknown
        });
    };
    let chosen = matching
        .find(|info| is_eligible(info, preview_opt_in))
        .unwrap_or(newest);
    if chosen.supported {
        Ok(chosen)
    } else {
        Err(Unresolved::Unsupported(chosen.version.clone()))
    }
}

/// The oldest version a client without preview opt-in may be given, else the oldest.
pub(crate) fn oldest(versions: &[VersionInfo]) -> Option<&VersionInfo> {
    versions
        .iter()
        .find(|info| is_eligible(info, false))
        .or_else(|| versions.first())
}

#[cfg(test)]
mod tests {
    use apivolve_model::VersionLifecycle;

    use super::*;

    fn info(version: &str, supported: bool, lifecycle: VersionLifecycle) -> VersionInfo {
        VersionInfo {
            version: Version::parse(version).unwrap(),
            supported,
            lifecycle,
        }
    }

    fn chain() -> Vec<VersionInfo> {
        let preview = VersionLifecycle {
            preview: true,
            ..VersionLifecycle::default()
        };
        let retired = VersionLifecycle {
            retired: true,
            ..VersionLifecycle::default()
        };
        vec![
            info("0.9.0", false, VersionLifecycle::default()),
            info("1.0.0", true, VersionLifecycle::default()),
            info("1.1.0", true, VersionLifecycle::default()),
            info("1.1.1", true, VersionLifecycle::default()),
            info("1.2.0", true, retired),
            info("2.0.0", true, VersionLifecycle::default()),
            info("2.1.0", true, preview),
        ]
    }

    #[test]
    fn parses_every_spelling() {
        let table = [
            ("v1", Some(VersionSpec::Major(1))),
            ("V2", Some(VersionSpec::Major(2))),
            ("1", Some(VersionSpec::Major(1))),
            ("1.2", Some(VersionSpec::Minor(1, 2))),
            ("v1.2", Some(VersionSpec::Minor(1, 2))),
            ("1.2.3", Some(VersionSpec::Exact(Version::new(1, 2, 3)))),
            ("v1.2.3", Some(VersionSpec::Exact(Version::new(1, 2, 3)))),
            (
                "2.0.0-beta.1",
                Some(VersionSpec::Exact(Version::parse("2.0.0-beta.1").unwrap())),
            ),
            (" 1.2 ", Some(VersionSpec::Minor(1, 2))),
            ("latest", Some(VersionSpec::Latest)),
            ("Current", Some(VersionSpec::Latest)),
            ("users", None),
            ("v", None),
            ("", None),
            ("1.", None),
            (".1", None),
            ("1.2.3.4", None),
            ("+1", None),
            ("1.x", None),
            ("99999999999999999999999", None),
            ("2.0.0-", None),
        ];
        for (token, expected) in table {
            assert_eq!(VersionSpec::parse(token), expected, "{token:?}");
        }
    }

    #[test]
    fn resolves_against_the_chain() {
        let versions = chain();
        let table: [(&str, bool, Result<&str, Unresolved>); 15] = [
            ("latest", false, Ok("2.0.0")),
            ("latest", true, Ok("2.1.0")),
            ("1", false, Ok("1.1.1")),
            ("1.1", false, Ok("1.1.1")),
            ("1.0", false, Ok("1.0.0")),
            ("1.1.0", false, Ok("1.1.0")),
            ("1.2", false, Ok("1.2.0")),
            ("1.2.0", false, Ok("1.2.0")),
            ("2", false, Ok("2.0.0")),
            ("2", true, Ok("2.1.0")),
            ("2.1", false, Ok("2.1.0")),
            (
                "0",
                false,
                Err(Unresolved::Unsupported(Version::new(0, 9, 0))),
            ),
            ("1.5", false, Err(Unresolved::Unknown)),
            ("3", false, Err(Unresolved::Newer)),
            ("2.1.1", false, Err(Unresolved::Newer)),
        ];
        for (token, opt_in, expected) in table {
            let spec = VersionSpec::parse(token).unwrap();
            let got = resolve(&spec, &versions, opt_in).map(|info| info.version.to_string());
            assert_eq!(got, expected.map(str::to_owned), "{token} opt_in={opt_in}");
        }
    }

    #[test]
    fn oldest_skips_unsupported_and_retired() {
        let versions = chain();
        assert_eq!(oldest(&versions).unwrap().version, Version::new(1, 0, 0));
        let all_retired: Vec<_> = versions
            .into_iter()
            .map(|mut info| {
                info.lifecycle.retired = true;
                info
            })
            .collect();
        assert_eq!(oldest(&all_retired).unwrap().version, Version::new(0, 9, 0));
    }
}
