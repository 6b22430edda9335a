//! Two branches that release the same version collide in git (issue 2).

use std::path::Path;
use std::process::Command;

use crate::acceptance::RENAME_AVAILABLE;
use crate::support::TempProject;

const RENAME_UPDATED: &str = "\
description: \"`updated` becomes `isUpdated`.\"
changes:
  - rename_field: {type: GetNextResponse, from: updated, to: isUpdated}
";

/// Runs git in `dir` with no user or system configuration; returns success and output.
fn git(dir: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn ok(dir: &Path, args: &[&str]) {
    let (success, output) = git(dir, args);
    assert!(success, "git {args:?}: {output}");
}

#[test]
fn two_branches_releasing_the_same_version_conflict() {
    if Command::new("git").arg("--version").output().is_err() {
        println!("skipped: `git` is not installed");
        return;
    }
    let project = TempProject::objid();
    let root = &project.root;
    ok(root, &["init", "--quiet", "--initial-branch=main"]);
    ok(root, &["add", "."]);
    ok(root, &["commit", "--quiet", "-m", "objid"]);

    for (branch, name, text) in [
        ("a", "rename-available.yaml", RENAME_AVAILABLE),
        ("b", "rename-updated.yaml", RENAME_UPDATED),
    ] {
        ok(root, &["checkout", "--quiet", "-b", branch, "main"]);
        project.write(name, text);
        let release = project.run(&["release", "--date", "2026-12-24", "."]);
        assert_eq!(release.code, 0, "{}", release.transcript());
        assert!(
            release.stdout.contains("released 3.0.0"),
            "{}",
            release.stdout
        );
        ok(root, &["add", "--all"]);
        ok(root, &["commit", "--quiet", "-m", branch]);
    }

    ok(root, &["checkout", "--quiet", "a"]);
    let (merged, output) = git(root, &["merge", "--no-edit", "b"]);
    assert!(!merged, "the merge must fail: {output}");
    assert!(
        output.contains("CONFLICT (add/add): Merge conflict in v3.0.0/release.toml"),
        "{output}"
    );
    let (_, unmerged) = git(root, &["diff", "--name-only", "--diff-filter=U"]);
    assert_eq!(unmerged.trim(), "v3.0.0/release.toml");
}
