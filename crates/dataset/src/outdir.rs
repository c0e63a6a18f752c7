//! The export folder: the marker that identifies a fretwise export, its layout, and the checks
//! that keep an export from deleting anything fretwise did not write.
//!
//! An existing folder is replaced only when it is empty or holds the marker and nothing but the
//! files an export writes; the working folder and its ancestors are never replaced.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::curate::Split;
use crate::{DatasetError, Format};

/// File in every export that says fretwise wrote the folder.
pub const MARKER: &str = ".fretwise-export";
/// Layout version the marker declares; a folder with a newer version is not replaced.
pub const LAYOUT_VERSION: u32 = 1;
/// The export's manifest.
pub const MANIFEST: &str = "manifest.json";
/// The Hugging Face dataset card.
pub const HF_CARD: &str = "hf/README.md";
/// The LangChain documents.
pub const LANGCHAIN_DOCUMENTS: &str = "langchain/documents.jsonl";

/// A marker larger than this is not ours (ours is under 100 bytes).
const MARKER_MAX_BYTES: u64 = 4096;

/// The marker's content.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    tool: String,
    kind: String,
    layout_version: u32,
}

/// A split's Parquet shard, relative to the export folder.
pub fn parquet_path(split: Split) -> String {
    format!("hf/data/{}-00000-of-00001.parquet", split.as_str())
}

/// A JSON Lines file of a per-split format, relative to the export folder.
pub fn jsonl_path(format: Format, split: Split) -> String {
    format!("{}/{}.jsonl", format.as_str(), split.as_str())
}

/// Every file and folder (relative, `/`-separated) an export may hold.
fn layout() -> (BTreeSet<String>, BTreeSet<String>) {
    let mut files: BTreeSet<String> = [MARKER, MANIFEST, HF_CARD, LANGCHAIN_DOCUMENTS]
        .into_iter()
        .map(String::from)
        .collect();
    let mut dirs: BTreeSet<String> = Format::ALL.iter().map(|f| f.as_str().to_string()).collect();
    dirs.insert("hf/data".into());
    for split in Split::ALL {
        files.insert(parquet_path(split));
        for f in Format::ALL {
            if !matches!(f, Format::Hf | Format::Langchain) {
                files.insert(jsonl_path(f, split));
            }
        }
    }
    (files, dirs)
}

fn io_err(path: &Path, e: std::io::Error) -> DatasetError {
    DatasetError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

fn refuse(path: &Path, why: impl std::fmt::Display) -> DatasetError {
    DatasetError::Refused {
        path: path.display().to_string(),
        reason: why.to_string(),
    }
}

/// Writes the marker into a folder being built.
pub(crate) fn write_marker(dir: &Path) -> Result<(), DatasetError> {
    let marker = Marker {
        tool: "fretwise".into(),
        kind: "export".into(),
        layout_version: LAYOUT_VERSION,
    };
    let text =
        serde_json::to_string(&marker).map_err(|e| DatasetError::Invalid(e.to_string()))? + "\n";
    let path = dir.join(MARKER);
    std::fs::write(&path, text).map_err(|e| io_err(&path, e))
}

/// Why the marker in `dir` does not identify an export this version may replace.
fn marker_problem(dir: &Path) -> Option<String> {
    let path = dir.join(MARKER);
    let meta = match std::fs::symlink_metadata(&path) {
        Ok(m) => m,
        Err(_) => return Some(format!("it has no {MARKER} marker")),
    };
    if !meta.is_file() || meta.len() > MARKER_MAX_BYTES {
        return Some(format!("its {MARKER} is not a fretwise marker"));
    }
    let parsed = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Marker>(&b).ok());
    match parsed {
        Some(m) if m.tool == "fretwise" && m.kind == "export" => {
            if m.layout_version > LAYOUT_VERSION {
                Some(format!(
                    "it was written by a newer fretwise (layout {}, this one knows {LAYOUT_VERSION})",
                    m.layout_version
                ))
            } else {
                None
            }
        }
        _ => Some(format!("its {MARKER} is not a fretwise marker")),
    }
}

/// The first entry under `dir` that an export does not write, as a relative path.
fn foreign_entry(dir: &Path) -> Result<Option<String>, DatasetError> {
    let (files, dirs) = layout();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let entries = std::fs::read_dir(&path).map_err(|e| io_err(&path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_err(&path, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Ok(Some(format!("{rel}{}", name.to_string_lossy())));
            };
            let child = format!("{rel}{name}");
            // file_type does not follow symbolic links: a link is never part of the layout.
            let kind = entry.file_type().map_err(|e| io_err(&entry.path(), e))?;
            if kind.is_dir() && dirs.contains(&child) {
                stack.push((entry.path(), format!("{child}/")));
            } else if !(kind.is_file() && files.contains(&child)) {
                return Ok(Some(child));
            }
        }
    }
    Ok(None)
}

/// Refuses `path` when it is the working folder or one of its ancestors.
fn refuse_working_folder(path: &Path) -> Result<(), DatasetError> {
    if path.file_name().is_none() {
        return Err(refuse(
            path,
            "it names no folder of its own (`.`, `..` or a root); name the export folder",
        ));
    }
    let (Ok(cwd), Ok(target)) = (
        std::env::current_dir().and_then(|d| d.canonicalize()),
        path.canonicalize(),
    ) else {
        return Ok(());
    };
    if cwd.starts_with(&target) {
        return Err(refuse(
            path,
            "it is the working folder or one of its parents",
        ));
    }
    Ok(())
}

/// Checks that `out` may become (or be replaced by) an export: it does not exist, is an empty
/// folder, or is an earlier fretwise export with the expected layout. `complete` asks for the
/// manifest too (a stale partial folder may not have one yet).
pub fn check_replaceable(out: &Path, complete: bool) -> Result<(), DatasetError> {
    refuse_working_folder(out)?;
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(out, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(refuse(out, "it is a symbolic link; name the folder itself"));
    }
    if !meta.is_dir() {
        return Err(refuse(out, "it exists and is not a folder"));
    }
    let empty = std::fs::read_dir(out)
        .map_err(|e| io_err(out, e))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    if let Some(problem) = marker_problem(out) {
        return Err(refuse(
            out,
            format!("it exists and is not a fretwise export ({problem})"),
        ));
    }
    if let Some(entry) = foreign_entry(out)? {
        return Err(refuse(
            out,
            format!("it holds `{entry}`, which no fretwise export writes"),
        ));
    }
    if complete && !out.join(MANIFEST).is_file() {
        return Err(refuse(
            out,
            format!("it has no {MANIFEST}, so it is not a finished export"),
        ));
    }
    Ok(())
}

/// Deletes `dir` after [`check_replaceable`] allowed it; an absent folder is fine.
fn remove_checked(dir: &Path, complete: bool) -> Result<(), DatasetError> {
    check_replaceable(dir, complete)?;
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err(dir, e)),
    }
}

/// A fresh sibling folder to write into, marked as an export from the start, so a failed export
/// never leaves a half-written OUT and a stale one is recognised as fretwise's own.
pub(crate) fn partial_dir(out: &Path) -> Result<PathBuf, DatasetError> {
    refuse_working_folder(out)?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let tmp = out.with_file_name(format!(".{name}.partial"));
    remove_checked(&tmp, false)?;
    std::fs::create_dir_all(&tmp).map_err(|e| io_err(&tmp, e))?;
    write_marker(&tmp)?;
    Ok(tmp)
}

/// Replaces `out` with the finished folder `tmp`, refusing to delete anything but an earlier
/// export.
pub(crate) fn commit_dir(tmp: &Path, out: &Path) -> Result<(), DatasetError> {
    remove_checked(out, true)?;
    std::fs::rename(tmp, out).map_err(|e| io_err(out, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn export_like(dir: &Path) {
        std::fs::create_dir_all(dir.join("openai")).unwrap();
        std::fs::create_dir_all(dir.join("hf/data")).unwrap();
        write_marker(dir).unwrap();
        std::fs::write(dir.join(MANIFEST), "{}").unwrap();
        std::fs::write(dir.join("openai/train.jsonl"), "").unwrap();
        std::fs::write(dir.join(parquet_path(Split::Test)), "").unwrap();
        std::fs::write(dir.join(HF_CARD), "").unwrap();
    }

    #[test]
    fn only_a_marked_export_with_its_layout_is_replaceable() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        assert!(check_replaceable(&out, true).is_ok(), "absent is fine");
        std::fs::create_dir(&out).unwrap();
        assert!(check_replaceable(&out, true).is_ok(), "empty is fine");

        // A manifest alone (an ingest corpus has one) is not an export.
        std::fs::write(out.join(MANIFEST), r#"{"anything":1}"#).unwrap();
        let e = check_replaceable(&out, true).unwrap_err().to_string();
        assert!(
            e.contains(&out.display().to_string()) && e.contains(MARKER),
            "{e}"
        );

        std::fs::remove_file(out.join(MANIFEST)).unwrap();
        export_like(&out);
        check_replaceable(&out, true).unwrap();

        // One file fretwise does not write makes it the user's folder.
        std::fs::write(out.join("openai/notes.txt"), "mine").unwrap();
        let e = check_replaceable(&out, true).unwrap_err().to_string();
        assert!(e.contains("openai/notes.txt"), "{e}");
        std::fs::remove_file(out.join("openai/notes.txt")).unwrap();

        // A marker from someone else, or from a newer layout, is not ours to delete.
        std::fs::write(
            out.join(MARKER),
            r#"{"tool":"other","kind":"export","layout_version":1}"#,
        )
        .unwrap();
        assert!(check_replaceable(&out, true).is_err());
        std::fs::write(
            out.join(MARKER),
            r#"{"tool":"fretwise","kind":"export","layout_version":99}"#,
        )
        .unwrap();
        assert!(check_replaceable(&out, true).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_or_as_the_folder_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        export_like(&out);
        std::os::unix::fs::symlink(root.path(), out.join("langchain")).unwrap();
        assert!(check_replaceable(&out, true).is_err());
        std::fs::remove_file(out.join("langchain")).unwrap();
        let link = root.path().join("link");
        std::os::unix::fs::symlink(&out, &link).unwrap();
        assert!(check_replaceable(&link, true).is_err());
    }

    #[test]
    fn dot_and_dotdot_are_refused() {
        for p in [".", "..", "a/..", "/"] {
            let e = check_replaceable(Path::new(p), true)
                .unwrap_err()
                .to_string();
            assert!(e.contains("names no folder"), "{p}: {e}");
        }
    }
}
