//! The errors of this crate.

/// What can go wrong compiling or applying a plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A jq expression or a function failed on a payload. On requests its message is the
    /// client's problem detail (jq's `error("...")` sets it).
    #[error("{message}")]
    Transform {
        /// The transform (`jq ...` or `function ...`).
        transform: String,
        /// What it said.
        message: String,
    },
    /// A payload given as bytes is not JSON (what `serde_json::from_slice` refuses).
    #[error("the payload is not valid JSON: {message}")]
    InvalidJson {
        /// What is wrong, and where (a byte offset).
        message: String,
    },
    /// A payload deeper than the walk allows.
    #[error("the payload is nested too deeply to migrate")]
    TooDeep,
    /// An error body that must become plain text did not give a string.
    #[error("the error body for `{media_type}` must migrate to a string")]
    ErrorNotText {
        /// The old media type.
        media_type: String,
    },
    /// A jq expression does not compile (the model's check reports these first).
    #[error("jq expression `{source_text}` in {origin} does not compile: {message}")]
    Jq {
        /// The expression.
        source_text: String,
        /// Which change.
        origin: String,
        /// The compiler's message.
        message: String,
    },
    /// A `custom` change names a function the application did not register.
    #[error("{origin} names the function `{name}`, which is not registered")]
    UnknownFunction {
        /// The function name.
        name: String,
        /// Which change.
        origin: String,
    },
    /// No plan for that endpoint and version.
    #[error("no plan for endpoint `{endpoint}` at version `{version}`")]
    NoPlan {
        /// The endpoint.
        endpoint: String,
        /// The version.
        version: String,
    },
    /// No plan over a type: the type does not exist at that version, or the version is not on
    /// the served chain.
    #[error("type `{type_name}` does not exist at version `{version}` of the served chain")]
    UnknownType {
        /// The type.
        type_name: String,
        /// The version.
        version: String,
    },
}

/// This crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
