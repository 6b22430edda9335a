//! The OpenAPI 3.1 document of one version: info, server, paths and component schemas.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::export::operation::{Operations, uses_problem};
use crate::export::problem::problem_schema;
use crate::export::refs::Names;
use crate::snapshot::{Endpoint, Snapshot};

/// The OpenAPI version of exported documents.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// Where refs to named types point in OpenAPI exports.
const COMPONENTS_PREFIX: &str = "#/components/schemas/";

/// What goes into an OpenAPI export beyond the stable endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenApiOptions {
    /// Include preview endpoints (marked `x-preview: true`).
    pub include_preview: bool,
    /// Include retired endpoints (marked `deprecated` and `x-retired: true`).
    pub include_retired: bool,
    /// The server URL, instead of the one computed from `base_path` and the version.
    pub server_url: Option<String>,
    /// The released versions, which tell whether the exported version is the newest of its
    /// major. Versions named in `config.versions` count too; the exported one is taken as the
    /// newest of its major when nothing newer is known.
    pub released: Vec<semver::Version>,
}

/// The OpenAPI 3.1.0 document of the schema at `version`.
///
/// - `info`: `config.title` (or `config.name`) and the version; the version's lifecycle from
///   `config.versions` as `x-deprecated-date`, `x-sunset-date`, `x-retired`, `x-preview` and
///   `x-deprecation-link`.
/// - `servers`: the URL clients of this version call: `{base_path}/v{major}` when it is the
///   newest of its major, `{base_path}/{major}.{minor}.{patch}` otherwise (see
///   [`OpenApiOptions::released`]), or [`OpenApiOptions::server_url`].
/// - `paths`: one operation per endpoint and method, `operationId` the endpoint id (suffixed
///   `.{method}` when the endpoint has several methods); parameters, request body, responses
///   and a `default` error response in the endpoint's error shape (problem details refer to a
///   `Problem` component). Lifecycle: `deprecated`, `x-deprecated-date`, `x-sunset-date`,
///   `x-retired`, `x-successor`, `x-preview`. Preview and retired endpoints are left out unless
///   the options ask for them. Methods OpenAPI 3.1 has no field for are left out.
/// - `components/schemas`: every named type; every `#/types/Name` ref points there. Names
///   outside `[A-Za-z0-9._-]` get `_` instead of the other characters.
pub fn openapi(
    snapshot: &Snapshot,
    config: &Config,
    version: &semver::Version,
    options: &OpenApiOptions,
) -> Value {
    let names = Names::sanitized(snapshot, COMPONENTS_PREFIX);
    let problem = names.free_name("Problem");
    let endpoints: Vec<&Endpoint> = snapshot
        .endpoints
        .values()
        .filter(|endpoint| is_included(endpoint, options))
        .collect();

    let mut operations = Operations::new(&names, &problem);
    for endpoint in &endpoints {
        operations.add(endpoint);
    }
    let paths = operations.into_paths();

    let mut schemas = Map::new();
    for (name, exported) in names.iter() {
        if let Some(schema) = snapshot.types.get(name) {
            schemas.insert(exported.to_owned(), names.export(schema));
        }
    }
    if endpoints.iter().any(|endpoint| uses_problem(endpoint)) {
        schemas.insert(problem, problem_schema());
    }

    let mut document = Map::new();
    document.insert("openapi".to_owned(), json!(OPENAPI_VERSION));
    document.insert("info".to_owned(), info(config, version));
    let url = options
        .server_url
        .clone()
        .unwrap_or_else(|| server_url(config, version, &options.released));
    document.insert("servers".to_owned(), json!([{"url": url}]));
    document.insert("paths".to_owned(), paths);
    if !schemas.is_empty() {
        document.insert("components".to_owned(), json!({"schemas": schemas}));
    }
    Value::Object(document)
}

fn is_included(endpoint: &Endpoint, options: &OpenApiOptions) -> bool {
    let lifecycle = &endpoint.lifecycle;
    (lifecycle.retired.is_none() || options.include_retired)
        && (!lifecycle.preview || options.include_preview)
}

fn info(config: &Config, version: &semver::Version) -> Value {
    let mut info = Map::new();
    info.insert(
        "title".to_owned(),
        json!(config.title.as_deref().unwrap_or(&config.name)),
    );
    info.insert("version".to_owned(), json!(version.to_string()));
    if let Some(lifecycle) = config.versions.get(&version.to_string()) {
        if let Some(date) = lifecycle.deprecated {
            info.insert("x-deprecated-date".to_owned(), json!(date.to_string()));
        }
        if let Some(date) = lifecycle.sunset {
            info.insert("x-sunset-date".to_owned(), json!(date.to_string()));
        }
        if lifecycle.retired {
            info.insert("x-retired".to_owned(), json!(true));
        }
        if lifecycle.preview {
            info.insert("x-preview".to_owned(), json!(true));
        }
        if let Some(link) = &lifecycle.link {
            info.insert("x-deprecation-link".to_owned(), json!(link));
        }
    }
    Value::Object(info)
}

/// The URL clients of `version` call: `{base_path}/v{major}` for the newest of its major,
/// `{base_path}/{version}` for older ones (their major's URL serves a newer version).
fn server_url(config: &Config, version: &semver::Version, released: &[semver::Version]) -> String {
    let known = released.iter().cloned().chain(
        config
            .versions
            .keys()
            .filter_map(|key| semver::Version::parse(key).ok()),
    );
    let newer_in_major = known
        .filter(|other| other.major == version.major && other > version)
        .count();
    let base = config.base_path.trim_end_matches('/');
    if newer_in_major == 0 {
        format!("{base}/v{}", version.major)
    } else {
        format!("{base}/{version}")
    }
}

/// Path items by path, sorted; built by [`Operations`].
pub(crate) type PathItems = BTreeMap<String, Map<String, Value>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> semver::Version {
        semver::Version::parse(text).unwrap()
    }

    #[test]
    fn the_newest_of_a_major_is_called_by_its_major() {
        let config = Config::named("shop");
        let released = [version("1.0.0"), version("1.1.0"), version("2.0.0")];
        assert_eq!(server_url(&config, &version("1.1.0"), &released), "/api/v1");
        assert_eq!(
            server_url(&config, &version("1.0.0"), &released),
            "/api/1.0.0"
        );
        assert_eq!(server_url(&config, &version("2.0.0"), &released), "/api/v2");
        assert_eq!(server_url(&config, &version("3.0.0"), &[]), "/api/v3");
    }

    #[test]
    fn versions_in_the_config_count_as_released() {
        let mut config = Config::named("shop");
        config.base_path = "/".to_owned();
        config
            .versions
            .insert("1.2.0".to_owned(), Default::default());
        assert_eq!(server_url(&config, &version("1.1.0"), &[]), "/1.1.0");
        config.base_path = "https://example.com/api/".to_owned();
        assert_eq!(
            server_url(&config, &version("1.2.0"), &[]),
            "https://example.com/api/v1"
        );
    }
}
