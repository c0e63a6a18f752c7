//! What an export folder holds, read back for `fretwise dataset stats`: its manifest, and the
//! instructors, levels, styles and terms each split covers (from the LangChain documents).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::DatasetError;

/// Instructors, levels, styles and guitar terms seen in one split.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SplitCoverage {
    /// Instructor names.
    pub instructors: BTreeSet<String>,
    /// Skill levels.
    pub levels: BTreeSet<String>,
    /// Styles.
    pub styles: BTreeSet<String>,
    /// Distinct guitar terms.
    pub terms: BTreeSet<String>,
}

/// An export folder's manifest and per-split coverage.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    /// The export's `manifest.json`, as written.
    pub manifest: serde_json::Value,
    /// Coverage per split name; empty when the export has no LangChain documents.
    pub coverage: BTreeMap<String, SplitCoverage>,
}

/// Reads `dir/manifest.json` and, when present, `dir/langchain/documents.jsonl`.
pub fn read_summary(dir: &Path) -> Result<ExportSummary, DatasetError> {
    let path = dir.join("manifest.json");
    let io = |e: std::io::Error| DatasetError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let text = std::fs::read_to_string(&path).map_err(io)?;
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| DatasetError::Io {
            path: path.display().to_string(),
            message: format!("not an export manifest ({e})"),
        })?;
    let mut coverage: BTreeMap<String, SplitCoverage> = BTreeMap::new();
    // Formats without LangChain documents report no coverage rather than failing.
    if let Ok(text) = std::fs::read_to_string(dir.join("langchain/documents.jsonl")) {
        for line in text.lines() {
            let Ok(d) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let md = &d["metadata"];
            let e = coverage
                .entry(md["split"].as_str().unwrap_or("?").to_string())
                .or_default();
            let add = |set: &mut BTreeSet<String>, v: &serde_json::Value| {
                if let Some(s) = v.as_str() {
                    set.insert(s.to_string());
                }
            };
            add(&mut e.instructors, &md["instructor"]);
            add(&mut e.levels, &md["skill_level"]);
            add(&mut e.styles, &md["style"]);
            for t in md["guitar_terms"].as_array().into_iter().flatten() {
                add(&mut e.terms, t);
            }
        }
    }
    Ok(ExportSummary { manifest, coverage })
}
