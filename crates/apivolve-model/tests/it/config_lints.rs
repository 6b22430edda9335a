//! What `check` says of `apivolve.toml`: lifecycle dates, versions it names, client pins.

use std::fs;
use std::path::Path;

use apivolve_model::{CheckOptions, Project, check, client_hash};

/// A copy of the objid API with `extra` appended to its configuration.
fn objid_with(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/objid/api");
    copy(&source, dir.path());
    let path = dir.path().join("apivolve.toml");
    let config = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("{config}\n{extra}")).unwrap();
    dir
}

/// The codes of check's diagnostics on the objid API with `extra` in its configuration.
fn codes_with(extra: &str) -> Vec<String> {
    let dir = objid_with(extra);
    let (project, diagnostics) = Project::load(dir.path()).unwrap();
    let report = check(&project, diagnostics, &CheckOptions::default());
    report
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code.to_string())
        .collect()
}

fn copy(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn pins_to_supported_versions_check_clean() {
    let hash = client_hash("objid", "acme");
    for version in ["1", "1.0", "1.0.0", "v2"] {
        let codes = codes_with(&format!(
            "[clients]\nheader = \"X-Api-Key\"\n\n[clients.pins]\n\"{hash}\" = \"{version}\"\n"
        ));
        assert!(codes.is_empty(), "{version}: {codes:?}");
    }
}

#[test]
fn bad_pins_are_errors() {
    let hash = client_hash("objid", "acme");
    let unknown = codes_with(&format!(
        "[clients]\nheader = \"X-Api-Key\"\n\n[clients.pins]\n\"{hash}\" = \"3\"\n"
    ));
    assert_eq!(unknown, ["bad-client-pin"]);
    let not_a_hash =
        codes_with("[clients]\nheader = \"X-Api-Key\"\n\n[clients.pins]\n\"acme\" = \"1\"\n");
    assert_eq!(not_a_hash, ["bad-client-pin"]);
    let no_header = codes_with(&format!("[clients.pins]\n\"{hash}\" = \"1\"\n"));
    assert_eq!(no_header, ["pins-without-client-header"]);
}

#[test]
fn unknown_configuration_keys_are_refused() {
    let dir = objid_with("[usage]\nflush_every = 3\n");
    let refused = match Project::load(dir.path()) {
        Err(_) => true,
        Ok((_, diagnostics)) => diagnostics.iter().any(|d| d.is_error()),
    };
    assert!(refused);
}
