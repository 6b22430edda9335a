//! Naming clients without keeping what identifies them.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// The name under which a client is counted and pinned: the first 16 hex digits of the SHA-256
/// of the API's name and the client's identifying header value.
///
/// The API's name is mixed in so that one key used with two APIs has two unrelated names; the
/// value itself (often a secret) is never stored. 64 bits keep the report readable and make an
/// accidental collision among even millions of clients unlikely.
///
/// ```
/// let hash = apivolve_model::client_hash("objid", "Bearer token-of-acme");
/// assert_eq!(hash.len(), 16);
/// assert_eq!(hash, apivolve_model::client_hash("objid", "Bearer token-of-acme"));
/// assert_ne!(hash, apivolve_model::client_hash("other-api", "Bearer token-of-acme"));
/// ```
pub fn client_hash(api_name: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"apivolve-client\0");
    hasher.update(api_name.as_bytes());
    hasher.update(b"\0");
    hasher.update(value.as_bytes());
    let digest = hasher.finalize();
    let mut hash = String::with_capacity(16);
    for byte in &digest[..8] {
        let _ = write!(hash, "{byte:02x}");
    }
    hash
}

/// Whether `text` has the shape of a [`client_hash`]: 16 lowercase hex digits.
pub fn is_client_hash(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_shaped() {
        // A fixed value (SHA-256 of "apivolve-client\0objid\0acme-key", first 8 bytes): changing
        // the hash would orphan every pin and every stored count.
        assert_eq!(client_hash("objid", "acme-key"), "bcc890b627b4a8ba");
        assert!(is_client_hash(&client_hash("objid", "key-1")));
        assert_ne!(client_hash("objid", "key-1"), client_hash("objid", "key-2"));
        assert!(!is_client_hash("ABCDEF0123456789"));
        assert!(!is_client_hash("abc"));
    }
}
