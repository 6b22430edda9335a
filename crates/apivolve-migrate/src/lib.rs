//! Migration plans: payloads moved between a client's version and the latest, compiled once.
//!
//! [`Migrator::compile`] walks the served chain of an API project once, at start-up, and turns
//! every change into steps per endpoint and direction: derived steps for the change vocabulary
//! (renames, defaults, enum mappings, moves, ...), jq steps (jaq) and named Rust converters from a
//! [`Registry`]. A type-level change applies wherever the type occurs in a payload: the compiler
//! walks the body's schema at that step (through `$ref`, arrays, maps, nested objects and
//! `allOf`/`anyOf`/`oneOf`) to find the places. A [`Plan`] is the flat list of steps for one
//! endpoint, client version and [`Direction`]; an empty plan means the payload passes through
//! untouched. Plans migrate bodies, parameters, status codes and error bodies, and print
//! themselves in readable form (`apivolve explain`).
//!
//! ```no_run
//! use apivolve_migrate::{Direction, Migrator, Registry};
//! use apivolve_model::{FoldOptions, Project, fold};
//!
//! let (project, _) = Project::load("examples/objid/api")?;
//! let (history, _) = fold(&project, &FoldOptions::default());
//! let migrator = Migrator::compile(&project, &history, &Registry::new())?;
//! let v1 = semver::Version::new(1, 0, 0);
//! if let Some(plan) = migrator.plan("getNext", &v1, Direction::Request) {
//!     println!("{plan}");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod action;
mod compile;
mod error;
mod fuse;
mod graph;
mod guard;
mod node;
mod parse;
mod plan;
mod stream;
mod transform;
mod tree;

pub use compile::Migrator;
pub use error::{Error, Result};
pub use plan::{Direction, MigratedBytes, MigratedResponse, Origin, Parameters, Plan, Step};
pub use transform::{Converter, Registry};
