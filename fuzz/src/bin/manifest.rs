//! Fuzzes the manifest reader: the first byte picks CSV or JSON, the rest is the manifest.
use std::path::Path;

use fretwise_ingest::{ManifestFormat, parse_manifest};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((first, rest)) = data.split_first() else {
            return;
        };
        let format = if first % 2 == 0 {
            ManifestFormat::Csv
        } else {
            ManifestFormat::Json
        };
        let _ = parse_manifest(rest, format, Path::new("/corpus/course"), "manifest");
    });
}
