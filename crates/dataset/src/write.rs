//! Output writers: JSON Lines, Hugging Face Parquet shards, the dataset card.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, Int64Builder, ListBuilder, StringBuilder, StructBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Fields, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde::Serialize;

use crate::DatasetError;
use crate::examples::PassageTerm;

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DatasetError + '_ {
    move |e| DatasetError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A JSON Lines file: one compact object per line, no BOM, no blank lines.
pub struct Jsonl {
    path: PathBuf,
    out: BufWriter<File>,
    /// Lines written.
    pub lines: usize,
}

impl Jsonl {
    /// Creates `path` (and its folder).
    pub fn create(path: PathBuf) -> Result<Self, DatasetError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let f = File::create(&path).map_err(io(&path))?;
        Ok(Self {
            out: BufWriter::new(f),
            path,
            lines: 0,
        })
    }

    /// Appends one record.
    pub fn write<T: Serialize>(&mut self, value: &T) -> Result<(), DatasetError> {
        serde_json::to_writer(&mut self.out, value).map_err(|e| DatasetError::Io {
            path: self.path.display().to_string(),
            message: e.to_string(),
        })?;
        self.out.write_all(b"\n").map_err(io(&self.path))?;
        self.lines += 1;
        Ok(())
    }

    /// Appends one record already serialized as one line of JSON (without its newline).
    pub fn write_line(&mut self, line: &[u8]) -> Result<(), DatasetError> {
        self.out.write_all(line).map_err(io(&self.path))?;
        self.out.write_all(b"\n").map_err(io(&self.path))?;
        self.lines += 1;
        Ok(())
    }

    /// Flushes and closes.
    pub fn finish(mut self) -> Result<usize, DatasetError> {
        self.out.flush().map_err(io(&self.path))?;
        Ok(self.lines)
    }
}

/// One row of the Hugging Face table.
#[derive(Debug, Clone)]
pub struct HfRow {
    /// Passage id.
    pub id: String,
    /// Text.
    pub text: String,
    /// Instructor.
    pub instructor: Option<String>,
    /// Course.
    pub course: Option<String>,
    /// Chapter.
    pub chapter: Option<String>,
    /// Lesson id.
    pub segment_id: String,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Terms.
    pub guitar_terms: Vec<PassageTerm>,
    /// Concept ids.
    pub concepts: Vec<String>,
    /// Level.
    pub skill_level: Option<String>,
    /// Style.
    pub style: Option<String>,
    /// Lesson quality.
    pub quality_score: f64,
    /// cl100k tokens.
    pub token_count: i64,
}

fn term_fields() -> Fields {
    Fields::from(vec![
        Field::new("term", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
        Field::new("start_s", DataType::Float64, false),
        Field::new("end_s", DataType::Float64, false),
    ])
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("instructor", DataType::Utf8, true),
        Field::new("course", DataType::Utf8, true),
        Field::new("chapter", DataType::Utf8, true),
        Field::new("segment_id", DataType::Utf8, false),
        Field::new("start_s", DataType::Float64, false),
        Field::new("end_s", DataType::Float64, false),
        Field::new(
            "guitar_terms",
            DataType::List(Arc::new(Field::new(
                "item",
                DataType::Struct(term_fields()),
                true,
            ))),
            false,
        ),
        Field::new(
            "concepts",
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            false,
        ),
        Field::new("skill_level", DataType::Utf8, true),
        Field::new("style", DataType::Utf8, true),
        Field::new("quality_score", DataType::Float64, false),
        Field::new("token_count", DataType::Int64, false),
    ]))
}

/// A Parquet shard written in row groups.
pub struct ParquetShard {
    path: PathBuf,
    writer: ArrowWriter<File>,
    buffer: Vec<HfRow>,
    /// Rows written.
    pub rows: usize,
}

const ROW_GROUP: usize = 10_000;

impl ParquetShard {
    /// Creates a shard.
    pub fn create(path: PathBuf) -> Result<Self, DatasetError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        let f = File::create(&path).map_err(io(&path))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .set_created_by("fretwise".to_string())
            .build();
        let writer = ArrowWriter::try_new(f, schema(), Some(props))
            .map_err(|e| DatasetError::Parquet(e.to_string()))?;
        Ok(Self {
            path,
            writer,
            buffer: Vec::new(),
            rows: 0,
        })
    }

    /// Adds a row (flushed in row groups).
    pub fn push(&mut self, row: HfRow) -> Result<(), DatasetError> {
        self.buffer.push(row);
        if self.buffer.len() >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DatasetError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.buffer);
        let mut id = StringBuilder::new();
        let mut text = StringBuilder::new();
        let mut instructor = StringBuilder::new();
        let mut course = StringBuilder::new();
        let mut chapter = StringBuilder::new();
        let mut segment = StringBuilder::new();
        let mut start = Float64Builder::new();
        let mut end = Float64Builder::new();
        let struct_builder = StructBuilder::new(
            term_fields(),
            vec![
                Box::new(StringBuilder::new()),
                Box::new(StringBuilder::new()),
                Box::new(Float64Builder::new()),
                Box::new(Float64Builder::new()),
            ],
        );
        let mut terms = ListBuilder::new(struct_builder).with_field(Arc::new(Field::new(
            "item",
            DataType::Struct(term_fields()),
            true,
        )));
        let mut concepts = ListBuilder::new(StringBuilder::new());
        let mut level = StringBuilder::new();
        let mut style = StringBuilder::new();
        let mut quality = Float64Builder::new();
        let mut tokens = Int64Builder::new();
        for r in &rows {
            id.append_value(&r.id);
            text.append_value(&r.text);
            instructor.append_option(r.instructor.as_deref());
            course.append_option(r.course.as_deref());
            chapter.append_option(r.chapter.as_deref());
            segment.append_value(&r.segment_id);
            start.append_value(r.start_s);
            end.append_value(r.end_s);
            let sb = terms.values();
            for t in &r.guitar_terms {
                if let Some(b) = sb.field_builder::<StringBuilder>(0) {
                    b.append_value(&t.term);
                }
                if let Some(b) = sb.field_builder::<StringBuilder>(1) {
                    b.append_value(&t.category);
                }
                if let Some(b) = sb.field_builder::<Float64Builder>(2) {
                    b.append_value(t.start_s);
                }
                if let Some(b) = sb.field_builder::<Float64Builder>(3) {
                    b.append_value(t.end_s);
                }
                sb.append(true);
            }
            terms.append(true);
            for c in &r.concepts {
                concepts.values().append_value(c);
            }
            concepts.append(true);
            level.append_option(r.skill_level.as_deref());
            style.append_option(r.style.as_deref());
            quality.append_value(r.quality_score);
            tokens.append_value(r.token_count);
        }
        let columns: Vec<ArrayRef> = vec![
            Arc::new(id.finish()),
            Arc::new(text.finish()),
            Arc::new(instructor.finish()),
            Arc::new(course.finish()),
            Arc::new(chapter.finish()),
            Arc::new(segment.finish()),
            Arc::new(start.finish()),
            Arc::new(end.finish()),
            Arc::new(terms.finish()),
            Arc::new(concepts.finish()),
            Arc::new(level.finish()),
            Arc::new(style.finish()),
            Arc::new(quality.finish()),
            Arc::new(tokens.finish()),
        ];
        let batch = RecordBatch::try_new(schema(), columns)
            .map_err(|e| DatasetError::Parquet(e.to_string()))?;
        self.writer
            .write(&batch)
            .map_err(|e| DatasetError::Parquet(e.to_string()))?;
        self.rows += rows.len();
        Ok(())
    }

    /// Writes the remaining rows and the footer.
    pub fn finish(mut self) -> Result<usize, DatasetError> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| DatasetError::Parquet(format!("{}: {e}", self.path.display())))?;
        Ok(self.rows)
    }
}

/// The Hugging Face size bucket for `n` rows.
pub fn size_category(n: usize) -> &'static str {
    match n {
        0..1_000 => "n<1K",
        1_000..10_000 => "1K<n<10K",
        10_000..100_000 => "10K<n<100K",
        100_000..1_000_000 => "100K<n<1M",
        1_000_000..10_000_000 => "1M<n<10M",
        _ => "10M<n<100M",
    }
}

/// The dataset card: YAML front matter, then how the data was made. Only splits with rows are
/// listed (a split without data files cannot be loaded).
pub fn card(manifest: &serde_json::Value, rows: usize) -> String {
    let splits: Vec<&str> = ["train", "validation", "test"]
        .into_iter()
        .filter(|s| manifest["counts"]["hf"][s].as_u64().unwrap_or(0) > 0)
        .collect();
    let mut s = String::from("---\n");
    s.push_str("license: other\nlanguage:\n- en\ntask_categories:\n- text-generation\n- question-answering\n");
    s.push_str(&format!("size_categories:\n- {}\n", size_category(rows)));
    s.push_str("tags:\n- guitar\n- music-education\n- speech-transcripts\nconfigs:\n- config_name: default\n  data_files:\n");
    for sp in splits {
        s.push_str(&format!("  - split: {sp}\n    path: data/{sp}-*.parquet\n"));
    }
    s.push_str("pretty_name: fretwise guitar lesson passages\n---\n\n");
    s.push_str("# fretwise guitar lesson passages\n\n");
    s.push_str("Passages of guitar lessons in the instructors' own words, cut on utterance boundaries from \
ASR transcripts, with word timings, guitar terminology and quality scores. Produced by `fretwise export`.\n\n");
    s.push_str("## How it was made\n\n");
    s.push_str("1. Lessons were ingested into a fretwise catalog, validated, scored for transcript quality and \
tagged with guitar terminology (see the fretwise repository's docs/QUALITY.md).\n");
    s.push_str("2. Lessons with failure flags (hallucinations, near-empty transcripts, stock ASR phrases) were \
removed, then the filters below.\n");
    s.push_str("3. Exact duplicates (same normalised text) and near duplicates (MinHash over 5-word shingles, \
128 permutations, LSH) were removed, keeping the best-scoring copy.\n");
    s.push_str("4. Splits hold out whole instructors: no instructor appears in both train and validation.\n");
    s.push_str("5. Lessons whose recording was analysed at ingest (`audio_path`) and whose speech-to-noise \
ratio (speech power inside the transcript's words over the noise floor between them) is below `min_snr_db` \
were removed (`low_snr`); lessons without an analysed recording are not judged on audio. In the multimodal \
format, `audio_features` are the passage's utterances' level, SNR, pitch statistics (median and 5th–95th \
percentile fundamental, voiced share), spectral centroid, roll-off, flatness and 13 MFCC means and \
deviations, combined by duration (null without a recording), and `demonstrations` are the stretches where \
the instructor plays that the passage introduces (`relation: introduced`), follows (`follows`; a phrase \
that runs on under the passage's first words follows into it) or holds between its sentences (`within`), \
with their notes, key, \
scale, tempo, chords, techniques and a 32-value audio embedding (pitch-class profile, MFCC means, register, \
note rate, tempo, brightness; L2-normalised).\n\n");
    s.push_str("## Instruction pairs (chat formats)\n\n");
    if let Some(t) = manifest["question_generation"].as_str() {
        s.push_str(&format!("- Questions: {t}\n"));
    }
    let how = &manifest["pair_generation"];
    for (label, key) in [("Answers", "lesson_answers"), ("Theory", "theory")] {
        if let Some(t) = how[key].as_str() {
            s.push_str(&format!("- {label}: {t}\n"));
        }
    }
    s.push('\n');
    s.push_str("## Filters and counts\n\n```json\n");
    s.push_str(&serde_json::to_string_pretty(&manifest["filters"]).unwrap_or_default());
    s.push_str("\n```\n\n```json\n");
    s.push_str(&serde_json::to_string_pretty(&manifest["splits"]).unwrap_or_default());
    s.push_str("\n```\n\n## Fields\n\n");
    for (f, d) in [
        ("id", "passage id: lesson id and chunk number"),
        ("text", "the instructor's words"),
        ("instructor, course, chapter", "lesson metadata"),
        ("segment_id", "the lesson id"),
        ("start_s, end_s", "seconds from the start of the lesson"),
        ("guitar_terms", "list of {term, category, start_s, end_s}"),
        (
            "concepts",
            "concept ids the passage teaches (fretwise concept ontology), strongest first",
        ),
        ("skill_level, style", "lesson level and style"),
        ("quality_score", "transcript quality of the lesson, 0-1"),
        ("token_count", "cl100k_base tokens of text"),
    ] {
        s.push_str(&format!("- `{f}`: {d}\n"));
    }
    s.push_str("\n## Limitations\n\n- Text is ASR output: expect recognition errors, especially in names and numbers.\n\
- Passages say what the instructor said; they are not fact-checked beyond the terminology tagging.\n\
- Synthetic sample lessons, when present, are marked in the source catalog and are by fictional instructors.\n");
    s
}
