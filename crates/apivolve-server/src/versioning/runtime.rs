//! Everything the layer needs, compiled once at start-up from an API project.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use apivolve_migrate::{Direction, Migrator, Registry};
use apivolve_model::{
    BulkConfig, Change, CheckOptions, Endpoint, History, ParameterLocation, Project, Snapshot,
    export, load_and_check, supported_versions,
};
use semver::Version;
use serde_json::{Map, Value, json};

use super::migration::Migration;
use crate::error::{Error, Result};
use crate::lifecycle::LifecycleHeaders;
use crate::metrics::RequestCounters;
use crate::negotiation::{Negotiator, Refused, VersionInfo};
use crate::routes::RouteTable;
use crate::usage::{Clients, Usage};
use crate::validation::Validator;

/// How responses are validated against the client's version.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ResponseValidation {
    /// Every response; a violation is a 500 and a log line (tests and development).
    Strict,
    /// A fraction of responses (0.0 to 1.0); violations are logged and counted.
    Sampled(f64),
    /// None.
    Off,
}

/// Options of the versioning layer.
#[derive(Clone, Debug)]
pub struct VersioningOptions {
    /// Response validation mode.
    pub response_validation: ResponseValidation,
    /// The path prefix under which the inner service implements latest (`/api/v2` by default:
    /// the base path and latest's major).
    pub inner_prefix: Option<String>,
    /// Registered Rust converters for `custom` changes.
    pub registry: Registry,
    /// Validate requests of clients on latest too (parses their bodies; the bytes still pass
    /// through untouched).
    pub validate_latest: bool,
}

impl Default for VersioningOptions {
    fn default() -> Self {
        Self {
            response_validation: ResponseValidation::Off,
            inner_prefix: None,
            registry: Registry::new(),
            validate_latest: true,
        }
    }
}

/// One endpoint at one version.
#[derive(Debug)]
pub(crate) struct EndpointRuntime {
    pub(crate) endpoint: Endpoint,
    /// The endpoint's id, shared by the usage counts.
    pub(crate) id: Arc<str>,
    pub(crate) request: Option<Validator>,
    pub(crate) parameters: Option<Validator>,
    pub(crate) responses: BTreeMap<u16, Validator>,
    pub(crate) up: Option<Migration>,
    pub(crate) down: Option<Migration>,
    /// The endpoint at latest that serves it (itself, or the successor of a removed one).
    pub(crate) target: Option<String>,
    /// Its requests, counted by status.
    pub(crate) counted: RequestCounters,
}

/// One version of the served chain.
#[derive(Debug)]
pub(crate) struct VersionRuntime {
    pub(crate) info: VersionInfo,
    /// The version number as text, shared by the usage counts.
    pub(crate) label: Arc<str>,
    pub(crate) routes: RouteTable,
    pub(crate) endpoints: HashMap<String, EndpointRuntime>,
}

/// The compiled API: versions, routes, validators, plans, docs.
#[derive(Debug)]
pub struct Runtime {
    pub(crate) negotiator: Negotiator,
    pub(crate) headers: LifecycleHeaders,
    pub(crate) versions: HashMap<Version, VersionRuntime>,
    pub(crate) latest: Version,
    pub(crate) latest_endpoints: BTreeMap<String, Endpoint>,
    pub(crate) inner_prefix: String,
    pub(crate) base_path: String,
    pub(crate) options: VersioningOptions,
    pub(crate) max_body_bytes: usize,
    pub(crate) max_json_depth: usize,
    pub(crate) timeout: std::time::Duration,
    pub(crate) documents: BTreeMap<String, Value>,
    pub(crate) title: String,
    /// `[bulk]` limits.
    pub(crate) bulk: BulkConfig,
    /// Who calls (`[clients]`), and the versions some clients are pinned to.
    pub(crate) clients: Clients,
    /// Calls per client, version, endpoint and day (`[usage]`).
    pub(crate) usage: Usage,
}

impl Runtime {
    /// Loads and compiles the API project at `dir`.
    ///
    /// # Errors
    ///
    /// When the project does not load or check clean, or a plan does not compile.
    pub fn load(dir: impl AsRef<std::path::Path>, options: VersioningOptions) -> Result<Self> {
        let (project, report) = load_and_check(dir.as_ref(), &CheckOptions::default())
            .map_err(|error| Error::Project(error.to_string()))?;
        if !report.is_clean() {
            let errors: Vec<String> = report
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(ToString::to_string)
                .collect();
            return Err(Error::Project(errors.join("\n")));
        }
        Self::compile(&project, &report.history, options)
    }

    /// Compiles a loaded, folded project.
    ///
    /// # Errors
    ///
    /// When there is no released version, a plan or a schema does not compile, or two routes clash.
    pub fn compile(
        project: &Project,
        history: &History,
        options: VersioningOptions,
    ) -> Result<Self> {
        let latest = history.latest().cloned().ok_or(Error::NoVersions)?;
        // Requests are counted from the first: the recorder is there before any is served.
        // When the application installed a recorder of its own, the metrics go to that one.
        let _ = crate::metrics::install();
        let supported = supported_versions(project, history);
        let infos: Vec<VersionInfo> = history
            .chain
            .iter()
            .map(|version| {
                let lifecycle = project
                    .config
                    .versions
                    .get(&version.to_string())
                    .cloned()
                    .unwrap_or_default();
                VersionInfo {
                    version: version.clone(),
                    // A retired version is not supported, yet known: the gate answers it 410.
                    supported: supported.contains(version) || lifecycle.retired,
                    lifecycle,
                }
            })
            .collect();
        let config = &project.config;
        let mut negotiator = Negotiator::new(
            &config.negotiation,
            &config.base_path,
            &config.name,
            infos.clone(),
        )?;
        let clients = Clients::new(&config.clients, &config.name, |version| {
            negotiator.resolve_configured(version)
        })?;
        if let Some(header) = clients.varies_on() {
            negotiator.vary_also(header);
        }
        let headers = LifecycleHeaders::new(&infos);
        let migrator = Migrator::compile(project, history, &options.registry)
            .map_err(|error| Error::Project(error.to_string()))?;
        let successors = successors(project, history);
        let latest_snapshot = history.snapshot(&latest).cloned().unwrap_or_default();
        let plans = Plans {
            migrator: &migrator,
            successors: &successors,
            latest: &latest_snapshot,
            latest_version: &latest,
        };

        let mut versions = HashMap::new();
        let mut documents = BTreeMap::new();
        let released: Vec<Version> = project
            .versions
            .iter()
            .map(|dir| dir.version.clone())
            .collect();
        for info in infos {
            let Some(snapshot) = history.snapshot(&info.version) else {
                continue;
            };
            let routes = RouteTable::new(snapshot.endpoints.values())?;
            let mut endpoints = HashMap::new();
            for (id, endpoint) in &snapshot.endpoints {
                let target = resolve_target(id, &latest_snapshot, &successors);
                endpoints.insert(
                    id.clone(),
                    EndpointRuntime {
                        counted: RequestCounters::default(),
                        id: Arc::from(id.as_str()),
                        endpoint: endpoint.clone(),
                        request: endpoint
                            .request
                            .as_ref()
                            .map(|body| {
                                Validator::compile(&export::body_schema(snapshot, &body.schema))
                            })
                            .transpose()?,
                        parameters: parameters_schema(endpoint)
                            .map(|schema| {
                                Validator::compile(&export::body_schema(snapshot, &schema))
                            })
                            .transpose()?,
                        responses: endpoint
                            .responses
                            .iter()
                            .map(|(status, body)| {
                                Ok((
                                    *status,
                                    Validator::compile(&export::body_schema(
                                        snapshot,
                                        &body.schema,
                                    ))?,
                                ))
                            })
                            .collect::<Result<_>>()?,
                        up: plans.migration(id, &info.version, Direction::Request),
                        down: plans.migration(id, &info.version, Direction::Response),
                        target,
                    },
                );
            }
            if info.is_live() && !info.lifecycle.preview {
                let export_options = export::OpenApiOptions {
                    released: released.clone(),
                    ..export::OpenApiOptions::default()
                };
                documents.insert(
                    info.version.to_string(),
                    export::openapi(snapshot, config, &info.version, &export_options),
                );
            }
            versions.insert(
                info.version.clone(),
                VersionRuntime {
                    label: Arc::from(info.version.to_string()),
                    info,
                    routes,
                    endpoints,
                },
            );
        }
        let base_path = normalize(&config.base_path);
        let inner_prefix = options
            .inner_prefix
            .clone()
            .unwrap_or_else(|| format!("{base_path}/v{}", latest.major));
        Ok(Self {
            negotiator,
            headers,
            versions,
            latest_endpoints: latest_snapshot.endpoints,
            latest,
            inner_prefix: normalize(&inner_prefix),
            base_path,
            options,
            max_body_bytes: config.server.max_body_bytes,
            max_json_depth: config.server.max_json_depth,
            timeout: std::time::Duration::from_millis(config.server.timeout_ms),
            documents,
            title: config.title.clone().unwrap_or_else(|| config.name.clone()),
            bulk: config.bulk.clone(),
            clients,
            usage: Usage::new(&config.usage),
        })
    }

    /// Negotiates a request's version: what the client names, else its pin, else the default.
    /// `client` holds the request's client once it was identified, for [`Self::record_call`].
    pub(crate) fn negotiate(
        &self,
        parts: &http::request::Parts,
        client: &OnceCell<Arc<str>>,
    ) -> Result<Option<crate::Negotiated>, Refused> {
        let mut negotiated = self.negotiator.negotiate_or_refuse(parts)?;
        if self.clients.has_pins()
            && let Some(negotiated) = negotiated.as_mut()
            && negotiated.source.is_none()
        {
            let client = client.get_or_init(|| self.clients.identify(&parts.headers));
            if let Some(pinned) = self.clients.pin(client) {
                negotiated.version = pinned.clone();
            }
        }
        Ok(negotiated)
    }

    /// Counts a call of `endpoint` at `version` by the client of `headers` (identified once).
    pub(crate) fn record_call(
        &self,
        headers: &http::HeaderMap,
        client: &OnceCell<Arc<str>>,
        version: &VersionRuntime,
        endpoint: &EndpointRuntime,
    ) {
        self.count(headers, client, &version.label, &endpoint.id);
    }

    /// Counts a call that version negotiation refused (see [`crate::usage`]).
    pub(crate) fn record_refused(
        &self,
        headers: &http::HeaderMap,
        client: &OnceCell<Arc<str>>,
        refused: &Refused,
    ) {
        if self.usage.is_counting() {
            let version: Arc<str> = match &refused.unsupported {
                Some(version) => Arc::from(version.to_string()),
                None => Arc::from(crate::usage::UNKNOWN_VERSION),
            };
            let endpoint = Arc::from(crate::usage::NOT_NEGOTIATED);
            self.count(headers, client, &version, &endpoint);
        }
    }

    /// Adds one call of the client of `headers` to the counts, when they are kept.
    fn count(
        &self,
        headers: &http::HeaderMap,
        client: &OnceCell<Arc<str>>,
        version: &Arc<str>,
        endpoint: &Arc<str>,
    ) {
        if self.usage.is_counting() {
            let client = client.get_or_init(|| self.clients.identify(headers));
            self.usage.record(client.clone(), version, endpoint);
        }
    }

    /// Calls counted per client, version, endpoint and day: flush them at shutdown.
    pub fn usage(&self) -> &Usage {
        &self.usage
    }

    /// The newest version: the one the inner service speaks.
    pub fn latest(&self) -> &Version {
        &self.latest
    }

    /// The OpenAPI documents of the live versions, by version.
    pub fn documents(&self) -> &BTreeMap<String, Value> {
        &self.documents
    }

    /// Every migration that has a step, per version (oldest first), endpoint and direction, in
    /// readable form: what the requests and responses of each version's clients go through.
    pub fn explain(&self) -> String {
        let mut versions: Vec<&VersionRuntime> = self.versions.values().collect();
        versions.sort_by(|a, b| a.info.version.cmp(&b.info.version));
        let mut text = String::new();
        for version in versions {
            let mut endpoints: Vec<(&String, &EndpointRuntime)> =
                version.endpoints.iter().collect();
            endpoints.sort_by(|a, b| a.0.cmp(b.0));
            for (_, endpoint) in endpoints {
                for migration in [&endpoint.up, &endpoint.down].into_iter().flatten() {
                    if !migration.is_empty() {
                        text.push_str(&migration.to_string());
                    }
                }
            }
        }
        text
    }

    /// The path a client of `version` uses for `endpoint`, if it exists there.
    pub(crate) fn location(&self, version: &Version, endpoint: &str) -> Option<String> {
        let runtime = self.versions.get(version)?;
        let path = &runtime.endpoints.get(endpoint)?.endpoint.path;
        Some(format!("{}/{}{path}", self.base_path, version))
    }
}

fn normalize(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.starts_with('/') || trimmed.is_empty() {
        trimmed.to_owned()
    } else {
        format!("/{trimmed}")
    }
}

/// Endpoint ids removed along the chain with a named successor, and the version that removed them.
fn successors(project: &Project, history: &History) -> HashMap<String, (String, Version)> {
    let mut map = HashMap::new();
    for version in &history.chain {
        let Some(dir) = project.version(version) else {
            continue;
        };
        for (_, _, change) in dir.changes() {
            if let Change::RemoveEndpoint(op) = change
                && let Some(successor) = &op.successor
            {
                map.insert(op.endpoint.clone(), (successor.clone(), version.clone()));
            }
        }
    }
    map
}

fn resolve_target(
    id: &str,
    latest: &Snapshot,
    successors: &HashMap<String, (String, Version)>,
) -> Option<String> {
    let mut current = id.to_owned();
    for _ in 0..=successors.len() {
        if latest.endpoints.contains_key(&current) {
            return Some(current);
        }
        current = successors.get(&current)?.0.clone();
    }
    None
}

/// What the migrations of one endpoint at one version are built from.
struct Plans<'a> {
    migrator: &'a Migrator,
    successors: &'a HashMap<String, (String, Version)>,
    latest: &'a Snapshot,
    latest_version: &'a Version,
}

impl Plans<'_> {
    /// The endpoint's own plan, then, while the endpoint it leads to is not at latest, the plan
    /// of the successor that replaced it from the version that removed it on.
    fn migration(&self, id: &str, version: &Version, direction: Direction) -> Option<Migration> {
        let mut plans = vec![self.migrator.plan(id, version, direction)?.clone()];
        let mut current = id.to_owned();
        for _ in 0..self.successors.len() {
            if self.latest.endpoints.contains_key(&current) {
                break;
            }
            let Some((successor, removed)) = self.successors.get(&current) else {
                break;
            };
            if let Ok(plan) =
                self.migrator
                    .plan_between(successor, removed, self.latest_version, direction)
            {
                plans.push(Arc::new(plan));
            }
            current.clone_from(successor);
        }
        Some(Migration::new(plans))
    }
}

/// One object schema over the endpoint's parameters: `{path: {...}, query: {...}, header: {...}}`.
fn parameters_schema(endpoint: &Endpoint) -> Option<Value> {
    if endpoint.parameters.is_empty() {
        return None;
    }
    let mut locations = Map::new();
    for location in [
        ParameterLocation::Path,
        ParameterLocation::Query,
        ParameterLocation::Header,
    ] {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for parameter in endpoint
            .parameters
            .iter()
            .filter(|p| p.location == location)
        {
            let name = if location == ParameterLocation::Header {
                parameter.name.to_ascii_lowercase()
            } else {
                parameter.name.clone()
            };
            properties.insert(name.clone(), parameter.schema.clone());
            if parameter.required || location == ParameterLocation::Path {
                required.push(Value::String(name));
            }
        }
        locations.insert(
            location.to_string(),
            json!({"type": "object", "properties": properties, "required": required}),
        );
    }
    Some(json!({"type": "object", "properties": locations}))
}
