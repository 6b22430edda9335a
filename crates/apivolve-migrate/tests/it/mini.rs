//! Small API projects released in memory, for cases the demo API does not hold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use apivolve_migrate::{Direction, Error, Migrator, Parameters, Registry};
use apivolve_model::{Config, FoldOptions, Project, Release, VersionDir, fold, parse_evolution};
use serde_json::Value;

/// The first version of the small projects below: a `Thing` travels in `things.put`, inside a
/// list of things in `things.list`.
pub(crate) const THINGS: &str = r##"
description: Things.
changes:
  - add_type:
      name: Thing
      schema: {type: object, properties: {name: {type: string}}}
  - add_endpoint:
      id: things.put
      methods: [PUT]
      path: /things
      request: {schema: {$ref: "#/types/Thing"}}
      responses:
        200: {schema: {$ref: "#/types/Thing"}}
  - add_endpoint:
      id: things.list
      methods: [GET]
      path: /things
      responses:
        200: {schema: {type: array, items: {$ref: "#/types/Thing"}}}
"##;

/// A project released in memory: `1.0.0` is [`THINGS`], then one version per evolution.
pub(crate) fn project(evolutions: &[&str]) -> Project {
    let versions = std::iter::once(THINGS)
        .chain(evolutions.iter().copied())
        .enumerate()
        .map(|(index, text)| {
            let number = u64::try_from(index).unwrap() + 1;
            let number = semver::Version::new(number, 0, 0);
            let path = format!("v{number}/0001-things.yaml");
            VersionDir {
                version: number.clone(),
                dir: PathBuf::from(format!("v{number}")),
                release: Release {
                    version: number.clone(),
                    parent: (number.major > 1)
                        .then(|| semver::Version::new(number.major - 1, 0, 0)),
                    parent_hash: None,
                    hash: String::new(),
                    date: None,
                    files: BTreeMap::new(),
                },
                evolutions: vec![parse_evolution(Path::new(&path), text).unwrap()],
            }
        })
        .collect();
    Project {
        root: PathBuf::from("things"),
        config: Config::named("things"),
        versions,
        pending: Vec::new(),
    }
}

pub(crate) fn compile(evolutions: &[&str], registry: &Registry) -> Result<Migrator, Error> {
    let project = project(evolutions);
    let (history, diagnostics) = fold(&project, &FoldOptions::default());
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    Migrator::compile(&project, &history, registry)
}

pub(crate) fn request(
    migrator: &Migrator,
    endpoint: &str,
    at: &semver::Version,
    body: Value,
) -> Result<Value, Error> {
    let plan = migrator.plan(endpoint, at, Direction::Request).unwrap();
    let mut body = Some(body);
    plan.migrate_request(&mut body, &mut Parameters::default())?;
    Ok(body.unwrap_or_default())
}
