//! How each change transforms the schema at a version.

use crate::change::Change;
use crate::snapshot::Snapshot;

/// Why a change cannot be applied to the schema it meets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyError {
    /// JSON pointer into the change's own body (`/from`), for the diagnostic's position.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// Applies one change to a snapshot.
///
/// # Errors
///
/// When the change does not fit the snapshot (a rename of a field that does not exist, ...).
pub fn apply(snapshot: &mut Snapshot, change: &Change) -> Result<(), ApplyError> {
    let _ = (snapshot, change);
    Err(ApplyError { pointer: String::new(), message: "not yet implemented".to_owned(), hint: None })
}
