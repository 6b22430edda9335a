//! The errors of this crate.

use std::path::PathBuf;

/// What can go wrong outside the project's own content (which yields diagnostics instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("cannot access `{path}`")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The folder has no `apivolve.toml`.
    #[error("`{0}` is not an API project: no `apivolve.toml` found")]
    NotAProject(PathBuf),
    /// The project has errors; they are in the diagnostics.
    #[error("the API project has {count} error(s)")]
    Invalid {
        /// How many errors.
        count: usize,
    },
    /// A version asked for does not exist.
    #[error("unknown version `{0}`")]
    UnknownVersion(String),
    /// Release refused.
    #[error("{0}")]
    Release(String),
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
