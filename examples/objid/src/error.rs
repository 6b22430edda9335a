//! The errors of objid's operations, with their status and message.

use http::StatusCode;

/// An operation's failure: a status and the message clients see.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObjidError {
    /// A request that cannot be served as sent (400).
    #[error("{0}")]
    BadRequest(String),
    /// A wrong or missing `authKey` for an authorized app (401).
    #[error("Invalid credentials")]
    Unauthorized,
    /// An operation that does not fit the app's state (405).
    #[error("Invalid operation: {0}")]
    InvalidOperation(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] apivolve_store::Error),
}

impl ObjidError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::InvalidOperation(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Store(error) => match error.kind() {
                apivolve_store::ErrorKind::Conflict => StatusCode::CONFLICT,
                apivolve_store::ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// The message a client sees; store failures say no more than their kind.
    pub fn detail(&self) -> String {
        match self {
            Self::Store(error) if error.kind() == apivolve_store::ErrorKind::Conflict => {
                "Too many attempts at updating the store".to_owned()
            }
            Self::Store(error) if error.kind() == apivolve_store::ErrorKind::Unavailable => {
                "The store is unavailable; nothing was changed".to_owned()
            }
            Self::Store(_) => "Internal error".to_owned(),
            other => other.to_string(),
        }
    }
}

/// This crate's result type.
pub type Result<T, E = ObjidError> = std::result::Result<T, E>;
