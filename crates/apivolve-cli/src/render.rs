//! Turning reports into text: miette diagnostics with source snippets, tables, annotations.

use std::fmt::Write as _;
use std::fs;
use std::io::IsTerminal;
use std::path::Path;

use apivolve_model::{CheckReport, Diagnostic, JudgedFinding, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

/// Renders one diagnostic with a snippet of its file.
pub(crate) fn diagnostic(root: &Path, diagnostic: &Diagnostic) -> String {
    let mut report = MietteDiagnostic::new(diagnostic.message.clone())
        .with_code(diagnostic.code)
        .with_severity(match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        });
    if let Some(hint) = &diagnostic.hint {
        report = report.with_help(hint.clone());
    }
    let source = diagnostic.file.as_ref().and_then(|file| {
        fs::read_to_string(root.join(file))
            .ok()
            .map(|text| (file, text))
    });
    // Colour only on a terminal, and never when `NO_COLOR` is set (https://no-color.org).
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    match (source, diagnostic.position) {
        (Some((file, text)), Some(position)) if position.offset <= text.len() => {
            let length = token_length(&text[position.offset..]);
            report = report.with_labels([LabeledSpan::at(
                position.offset..position.offset + length,
                "here",
            )]);
            let report = miette::Report::new(report)
                .with_source_code(NamedSource::new(file.display().to_string(), text));
            let _ = handler.render_report(&mut out, report.as_ref());
        }
        (Some((file, _)), _) => {
            report.message = format!("{}: {}", file.display(), report.message);
            let _ = handler.render_report(&mut out, &report);
        }
        (None, _) => {
            let _ = handler.render_report(&mut out, &report);
        }
    }
    out
}

/// The length of the token that starts a text (up to the end of the line or of a YAML scalar).
fn token_length(text: &str) -> usize {
    let line = text.split('\n').next().unwrap_or("");
    let end = line.find([',', '}', ']', '#']).unwrap_or(line.len());
    line[..end].trim_end().len().max(1)
}

/// A GitHub Actions annotation for a diagnostic.
pub(crate) fn github(diagnostic: &Diagnostic) -> String {
    let level = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let Some(file) = &diagnostic.file {
        properties.push(format!(
            "file={}",
            escape_property(&file.display().to_string())
        ));
    }
    if let Some(position) = diagnostic.position {
        properties.push(format!("line={}", position.line));
        properties.push(format!("col={}", position.column));
    }
    properties.push(format!("title={}", escape_property(diagnostic.code)));
    let mut message = diagnostic.message.clone();
    if let Some(hint) = &diagnostic.hint {
        message.push_str(&format!("\nhint: {hint}"));
    }
    format!(
        "::{level} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// Escapes an annotation's message for GitHub Actions.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One notice that sums a check up for GitHub Actions: latest version and what a release would do.
pub(crate) fn github_summary(name: &str, report: &CheckReport) -> String {
    let latest = report
        .versions
        .iter()
        .find(|version| version.latest)
        .map(|version| format!("latest {}", version.version))
        .unwrap_or_else(|| "nothing released".to_owned());
    let pending = match &report.pending {
        None => "no pending evolutions".to_owned(),
        Some(pending) => format!(
            "pending: release would create {} ({} bump)",
            pending.next,
            format!("{:?}", pending.bump).to_lowercase()
        ),
    };
    let errors = report.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = report.diagnostics.len() - errors;
    format!(
        "::notice title=apivolve check::{}",
        escape_data(&format!(
            "{name}: {latest}; {pending}; {errors} error(s), {warnings} warning(s)"
        ))
    )
}

/// The summary table of a check: versions, then the pending set and its findings.
pub(crate) fn summary(name: &str, report: &CheckReport) -> String {
    let mut out = String::new();
    let latest = report.versions.iter().find(|version| version.latest);
    let _ = writeln!(
        out,
        "{name}: {} released version(s){}",
        report.versions.len(),
        latest
            .map(|version| format!(", latest {}", version.version))
            .unwrap_or_default()
    );
    for version in &report.versions {
        let mut status = Vec::new();
        if version.supported {
            status.push("supported");
        } else {
            status.push("not served");
        }
        if version.latest {
            status.push("latest");
        }
        let bump = version
            .bump
            .map(|bump| format!("{bump:?}").to_lowercase())
            .unwrap_or_else(|| "first".to_owned());
        let parent = version
            .parent
            .as_ref()
            .map(|parent| format!("on {parent}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<10} {:<6} {:<10} {}",
            version.version.to_string(),
            bump,
            parent,
            status.join(", ")
        );
    }
    match &report.pending {
        None => {
            let _ = writeln!(out, "no pending evolutions");
        }
        Some(pending) => {
            let parent = pending
                .parent
                .as_ref()
                .map(|parent| format!(" on {parent}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "pending: {} file(s){parent}: release would create {} ({} bump)",
                pending.files.len(),
                pending.next,
                format!("{:?}", pending.bump).to_lowercase()
            );
            for finding in &pending.findings {
                out.push_str(&finding_line(finding));
            }
        }
    }
    out
}

/// One finding as two lines: level, rule and location, then the message.
pub(crate) fn finding_line(judged: &JudgedFinding) -> String {
    let finding = &judged.finding;
    let level = serde_json::to_value(finding.level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut location = String::new();
    if let Some(endpoint) = &finding.location.endpoint {
        location.push_str(endpoint);
    }
    if let Some(method) = &finding.location.method {
        location.push_str(&format!(" {method}"));
    }
    if let Some(status) = finding.location.status {
        location.push_str(&format!(" {status}"));
    }
    if !finding.location.pointer.is_empty() {
        location.push_str(&format!(" {}", finding.location.pointer));
    }
    let suppressed = judged
        .suppressed
        .as_ref()
        .map(|reason| format!("\n      suppressed: {reason}"))
        .unwrap_or_default();
    format!(
        "  {level:<20} {:<40} {}\n      {}{suppressed}\n",
        finding.rule.id(),
        location.trim(),
        finding.message
    )
}
