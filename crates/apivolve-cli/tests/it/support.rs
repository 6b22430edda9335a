//! Fixture projects in temporary folders, the binary, and snapshot filters.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// The reference API of the repository.
pub(crate) fn objid() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/objid/api")
}

/// A fixture project under `tests/fixtures/`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A copy of a project in a temporary folder, removed on drop.
pub(crate) struct TempProject {
    _dir: TempDir,
    /// The project folder.
    pub(crate) root: PathBuf,
}

impl TempProject {
    /// Copies `source` into a fresh temporary folder (as `api/`).
    pub(crate) fn copy(source: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("api");
        copy_dir(source, &root);
        Self { _dir: dir, root }
    }

    /// The objid API.
    pub(crate) fn objid() -> Self {
        Self::copy(&objid())
    }

    /// A path inside the project.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Writes a file inside the project.
    pub(crate) fn write(&self, relative: &str, text: &str) {
        fs::write(self.path(relative), text).unwrap();
    }

    /// Reads a file inside the project.
    pub(crate) fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).unwrap()
    }

    /// Runs `apivolve ARGS` in the project folder.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        apivolve(args, &self.root, None)
    }

    /// Every file of the project with its content, sorted: to see that nothing changed.
    pub(crate) fn contents(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        list_files(&self.root, &self.root, &mut files);
        files.sort();
        files
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn list_files(root: &Path, dir: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            list_files(root, &path, files);
        } else {
            let content = fs::read(&path).unwrap();
            files.push((path.strip_prefix(root).unwrap().to_path_buf(), content));
        }
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub(crate) struct Run {
    /// The exit code.
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Exit code, standard output and standard error, as one text for a snapshot.
    pub(crate) fn transcript(&self) -> String {
        format!(
            "exit: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs the binary in `dir` without colours at a fixed width, with `stdin` as its input.
pub(crate) fn apivolve(args: &[&str], dir: &Path, stdin: Option<&str>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_apivolve"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("CLICOLOR_FORCE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        use std::io::Write as _;
        // A command that fails before reading its input closes the pipe: that is not a test failure.
        let _ = input.write_all(text.as_bytes());
    }
    let output = child.wait_with_output().unwrap();
    let tidy = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        text.replace(&dir.display().to_string(), "[PROJECT]")
    };
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: tidy(&output.stdout),
        stderr: tidy(&output.stderr),
    }
}

/// Snapshot settings: hashes and dates filtered.
pub(crate) fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{64}\b", "[HASH]");
    settings.add_filter(r"\b\d{4}-\d{2}-\d{2}\b", "[DATE]");
    settings
}

/// Snapshots a run's transcript under `name`, with the filters of [`settings`].
macro_rules! assert_run {
    ($name:expr, $run:expr) => {
        $crate::support::settings().bind(|| insta::assert_snapshot!($name, $run.transcript()))
    };
}
pub(crate) use assert_run;
