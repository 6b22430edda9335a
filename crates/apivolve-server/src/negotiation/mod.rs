//! Version negotiation: which served version a request speaks, and its path below the version.
//!
//! A client names a version with a URI segment (`/api/v1/users`), a header (`Api-Version: 1.2`),
//! a media type (`Accept: application/vnd.NAME.v1+json`) or a query parameter
//! (`?api-version=1`). Only the methods in `Negotiation.order` are read, and the first that names
//! a version wins. `v1`/`1` means the newest servable 1.x, `1.2` the newest 1.2.x, `1.2.3`
//! exactly that version, `latest`/`current` the newest. A request naming none gets the
//! configured default.

mod sources;
mod spec;

use apivolve_model::{DefaultVersion, Negotiation, NegotiationMethod, VersionLifecycle};
use http::{HeaderMap, HeaderName, HeaderValue};
use semver::Version;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::problem::Problem;
use spec::{Unresolved, VersionSpec};

/// One version of the served chain.
#[derive(Clone, Debug, PartialEq)]
pub struct VersionInfo {
    /// The version number.
    pub version: Version,
    /// Whether it is still served; an unsupported version is refused with 400.
    pub supported: bool,
    /// Its lifecycle (preview, deprecated, sunset, retired).
    pub lifecycle: VersionLifecycle,
}

impl VersionInfo {
    /// A supported version with the lifecycle `lifecycle`.
    pub fn new(version: Version, lifecycle: VersionLifecycle) -> Self {
        Self {
            version,
            supported: true,
            lifecycle,
        }
    }

    /// Supported and not retired: a client can still use it.
    pub fn is_live(&self) -> bool {
        self.supported && !self.lifecycle.retired
    }
}

/// The outcome of negotiating a request under the base path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// The served version.
    pub version: Version,
    /// How the client named it; `None` when the default applied.
    pub source: Option<NegotiationMethod>,
    /// The request path below the base path and the version segment (`/users/7`); `/` at least.
    pub path: String,
    /// The query string without the version parameter (when query negotiation is on).
    pub query: Option<String>,
}

/// Negotiates versions for one API; built once at start-up.
#[derive(Clone, Debug)]
pub struct Negotiator {
    order: Vec<NegotiationMethod>,
    base_path: String,
    header: HeaderName,
    query: String,
    preview_header: HeaderName,
    vendor: String,
    versions: Vec<VersionInfo>,
    default: Version,
    supported: Vec<String>,
    vary: HeaderValue,
}

/// A request whose version negotiation refused: its 400 problem, and the version it named when
/// that version is known but no longer supported.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) problem: Problem,
    pub(crate) unsupported: Option<Version>,
}

impl Negotiator {
    /// A negotiator for the served chain `versions` (oldest first; the last is latest).
    ///
    /// `base_path` is where versions live (`/api`); `api_name` gives the `vnd.NAME` media types.
    ///
    /// # Errors
    ///
    /// [`Error::NoVersions`] when `versions` is empty, [`Error::HeaderName`] when a configured
    /// header name is invalid, [`Error::DefaultVersion`] when a fixed default names no servable
    /// version.
    pub fn new(
        config: &Negotiation,
        base_path: &str,
        api_name: &str,
        versions: Vec<VersionInfo>,
    ) -> Result<Self> {
        let header_name = |name: &str| {
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::HeaderName {
                name: name.to_owned(),
            })
        };
        let header = header_name(&config.header)?;
        let preview_header = header_name(&config.preview_header)?;
        let default = match &config.default {
            DefaultVersion::Latest => spec::resolve(&VersionSpec::Latest, &versions, false).ok(),
            DefaultVersion::Oldest => spec::oldest(&versions),
            DefaultVersion::Fixed(text) => Some(fixed_default(text, &versions)?),
        }
        .or_else(|| versions.last())
        .ok_or(Error::NoVersions)?
        .version
        .clone();
        let supported = versions
            .iter()
            .filter(|info| info.is_live())
            .map(|info| info.version.to_string())
            .collect();
        let mut negotiator = Self {
            order: dedup(&config.order),
            base_path: normalize_base_path(base_path),
            header,
            query: config.query.clone(),
            preview_header,
            vendor: format!("vnd.{}.", api_name.to_ascii_lowercase()),
            versions,
            default,
            supported,
            vary: HeaderValue::from_static(""),
        };
        negotiator.vary = negotiator.build_vary();
        Ok(negotiator)
    }

    /// Negotiates `parts`: `Ok(None)` when the path is not under the base path (pass it through
    /// untouched), the version and the path below it otherwise.
    ///
    /// # Errors
    ///
    /// A 400 [`Problem`] when the request names a version that is malformed, unknown, newer than
    /// the newest served one or no longer supported; its detail and its `supported_versions`
    /// member list the supported versions.
    pub fn negotiate(&self, parts: &http::request::Parts) -> Result<Option<Negotiated>, Problem> {
        self.negotiate_or_refuse(parts)
            .map_err(|refused| refused.problem)
    }

    /// [`Self::negotiate`], with what a refused request asked for (for counting it).
    pub(crate) fn negotiate_or_refuse(
        &self,
        parts: &http::request::Parts,
    ) -> Result<Option<Negotiated>, Refused> {
        let Some(rest) = self.below_base(parts.uri.path()) else {
            return Ok(None);
        };
        let opt_in = self.preview_opt_in(&parts.headers);
        let uses = |method| self.order.contains(&method);
        let (uri_token, path) = match uses(NegotiationMethod::Uri)
            .then(|| sources::uri_segment(rest))
            .flatten()
        {
            Some((token, after)) => (Some(token), after),
            None => (None, rest),
        };
        let (query_token, query) = if uses(NegotiationMethod::Query) {
            sources::query_parameter(parts.uri.query(), &self.query)
        } else {
            (None, parts.uri.query().map(str::to_owned))
        };
        let path = if path.is_empty() {
            "/".to_owned()
        } else {
            path.to_owned()
        };
        for &method in &self.order {
            let token = match method {
                NegotiationMethod::Uri => uri_token.map(str::to_owned),
                NegotiationMethod::Header => sources::header_value(&parts.headers, &self.header)
                    .map_err(|()| Refused {
                        problem: self
                            .refuse(&format!("the `{}` header is not a version", self.header)),
                        unsupported: None,
                    })?
                    .map(str::to_owned),
                NegotiationMethod::MediaType => sources::media_type(&parts.headers, &self.vendor),
                NegotiationMethod::Query => query_token.clone(),
            };
            if let Some(token) = token {
                let version = self.resolve(&token, opt_in)?;
                return Ok(Some(Negotiated {
                    version,
                    source: Some(method),
                    path,
                    query,
                }));
            }
        }
        Ok(Some(Negotiated {
            version: self.default.clone(),
            source: None,
            path,
            query,
        }))
    }

    /// The `Vary` value for versioned responses: the request headers negotiation reads.
    pub fn vary_header(&self) -> HeaderValue {
        self.vary.clone()
    }

    /// Adds a request header to `Vary` (the client header, when clients are pinned).
    pub(crate) fn vary_also(&mut self, name: &HeaderName) {
        let mut names = self.vary.to_str().unwrap_or_default().to_owned();
        if !names.split(", ").any(|present| present == name.as_str()) {
            if !names.is_empty() {
                names.push_str(", ");
            }
            names.push_str(name.as_str());
        }
        if let Ok(vary) = HeaderValue::from_str(&names) {
            self.vary = vary;
        }
    }

    /// Resolves a version named in the configuration (`1`, `1.2`, `1.2.3`, `latest`) to a served
    /// version, as a fixed default is.
    pub(crate) fn resolve_configured(&self, text: &str) -> Result<Version> {
        fixed_default(text, &self.versions).map(|info| info.version.clone())
    }

    /// Whether the request opts in to preview versions and endpoints (`Api-Preview: true`).
    pub fn preview_opt_in(&self, headers: &HeaderMap) -> bool {
        headers
            .get(&self.preview_header)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                ["true", "1", "yes", "on"]
                    .iter()
                    .any(|yes| value.trim().eq_ignore_ascii_case(yes))
            })
    }

    /// The served chain, oldest first.
    pub fn versions(&self) -> &[VersionInfo] {
        &self.versions
    }

    /// The served version `version`, if any.
    pub fn version(&self, version: &Version) -> Option<&VersionInfo> {
        self.versions.iter().find(|info| &info.version == version)
    }

    /// The version of requests that name none.
    pub fn default_version(&self) -> &Version {
        &self.default
    }

    /// The base path, normalised (`/api`; empty for the root).
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// The path below the base path, or `None` when `path` is not under it.
    fn below_base<'p>(&self, path: &'p str) -> Option<&'p str> {
        let rest = path.strip_prefix(self.base_path.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    /// Resolves a client's token to a served version.
    fn resolve(&self, token: &str, opt_in: bool) -> Result<Version, Refused> {
        let Some(spec) = VersionSpec::parse(token) else {
            return Err(Refused {
                problem: self
                    .refuse(&format!("`{token}` is not a version"))
                    .with_extension("requested_version", token),
                unsupported: None,
            });
        };
        let (detail, unsupported) = match spec::resolve(&spec, &self.versions, opt_in) {
            Ok(info) => return Ok(info.version.clone()),
            Err(Unresolved::Unknown) => (format!("version `{token}` does not exist"), None),
            Err(Unresolved::Newer) => (
                format!("version `{token}` is newer than the newest version"),
                None,
            ),
            Err(Unresolved::Unsupported(version)) => (
                format!("version `{version}` is no longer supported"),
                Some(version),
            ),
        };
        Err(Refused {
            problem: self
                .refuse(&detail)
                .with_extension("requested_version", token),
            unsupported,
        })
    }

    /// A 400 problem that lists the supported versions.
    fn refuse(&self, detail: &str) -> Problem {
        let list = self.supported.join(", ");
        Problem::bad_request(format!("{detail}; supported versions: {list}")).with_extension(
            "supported_versions",
            Value::Array(
                self.supported
                    .iter()
                    .map(|version| Value::from(version.as_str()))
                    .collect(),
            ),
        )
    }

    fn build_vary(&self) -> HeaderValue {
        let mut names = Vec::new();
        for method in &self.order {
            match method {
                NegotiationMethod::Header => names.push(self.header.as_str().to_owned()),
                NegotiationMethod::MediaType => {
                    names.extend(["accept".to_owned(), "content-type".to_owned()])
                }
                NegotiationMethod::Uri | NegotiationMethod::Query => {}
            }
        }
        names.push(self.preview_header.as_str().to_owned());
        names.dedup();
        HeaderValue::from_str(&names.join(", "))
            .unwrap_or_else(|_| HeaderValue::from_static("accept"))
    }
}

/// The methods in order, each once.
fn dedup(order: &[NegotiationMethod]) -> Vec<NegotiationMethod> {
    let mut methods = Vec::with_capacity(order.len());
    for method in order {
        if !methods.contains(method) {
            methods.push(*method);
        }
    }
    methods
}

/// `/api/` and `api` give `/api`; `/` and `` give `` (the root).
fn normalize_base_path(base_path: &str) -> String {
    let trimmed = base_path.trim().trim_matches('/');
    if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    }
}

/// Resolves a configured fixed default version.
fn fixed_default<'a>(text: &str, versions: &'a [VersionInfo]) -> Result<&'a VersionInfo> {
    let error = |reason: &str| Error::DefaultVersion {
        version: text.to_owned(),
        reason: reason.to_owned(),
    };
    let spec = VersionSpec::parse(text).ok_or_else(|| error("not a version"))?;
    spec::resolve(&spec, versions, false).map_err(|unresolved| match unresolved {
        Unresolved::Unknown | Unresolved::Newer => error("no served version matches"),
        Unresolved::Unsupported(_) => error("that version is not supported"),
    })
}

#[cfg(test)]
mod tests;
