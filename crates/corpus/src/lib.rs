//! The sample corpus generator: clearly labelled **synthetic** guitar lessons by **fictional**
//! instructors, written in the platform transcription service's JSON format plus a manifest.
//!
//! Deterministic for a seed (each lesson draws from its own seeded stream, so generation runs in
//! parallel and still gives byte-identical output). Includes realistic word timings, confidences,
//! ASR misspellings, pauses for playing, and a configurable rate of bad files.

mod audio;
mod language;

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

pub use audio::{AUDIO_RATE, AudioTruth, Font, TruthChord, TruthDemo, TruthNote};
pub use language::STYLES;

/// Generator settings.
#[derive(Debug, Clone)]
pub struct CorpusOptions {
    /// Number of fictional instructors.
    pub instructors: usize,
    /// Total number of lessons.
    pub lessons: usize,
    /// Seed.
    pub seed: u64,
    /// Share of lessons written as bad files (hallucination, empty, truncated JSON).
    pub bad_rate: f64,
    /// Also write each lesson's audio (`audio/`) and its truth (`truth/`), played through
    /// this SoundFont.
    pub audio: Option<Font>,
}

impl Default for CorpusOptions {
    fn default() -> Self {
        Self {
            instructors: 12,
            lessons: 240,
            seed: 42,
            bad_rate: 0.02,
            audio: None,
        }
    }
}

/// Errors writing the corpus.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Options are impossible.
    #[error("{0}")]
    Invalid(String),
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct CorpusSummary {
    /// Output folder.
    pub out: PathBuf,
    /// Manifest path.
    pub manifest: PathBuf,
    /// Lessons written.
    pub lessons: usize,
    /// Instructors.
    pub instructors: usize,
    /// Deliberately bad files among them.
    pub bad_files: usize,
    /// Seed used.
    pub seed: u64,
    /// Lessons written with audio.
    pub with_audio: usize,
}

/// A fictional instructor.
#[derive(Debug, Clone)]
struct Instructor {
    id: String,
    name: String,
    styles: [&'static str; 2],
    pace: f64,
    verbosity: f64,
}

fn instructor(seed: u64, i: usize) -> Instructor {
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ 0x1157_0000 ^ (i as u64).wrapping_mul(0x9E37_79B9));
    // A bijection from index to (first, last) keeps the first 1,600 names unique; beyond that a
    // generation suffix keeps them apart.
    let (nf, nl) = (language::FIRST_NAMES.len(), language::LAST_NAMES.len());
    let a = (i + seed as usize) % nf;
    let q = i / nf;
    let first = language::FIRST_NAMES[a];
    let last = language::LAST_NAMES[(q + 7 * a) % nl];
    let suffix = match i / (nf * nl) {
        0 => String::new(),
        n => format!(" {}", n + 1),
    };
    let primary = STYLES[i % STYLES.len()];
    let mut secondary = STYLES[rng.random_range(0..STYLES.len())];
    if secondary == primary {
        secondary = STYLES[(i + 3) % STYLES.len()];
    }
    Instructor {
        id: format!("fictional-{:04}", i + 1),
        name: format!("{first} {last}{suffix}"),
        styles: [primary, secondary],
        pace: rng.random_range(0.85..1.2),
        verbosity: rng.random_range(0.7..1.3),
    }
}

/// Writes the corpus into `out` (transcripts under `out/transcripts/`, `out/manifest.csv`).
pub fn generate(out: &Path, opts: &CorpusOptions) -> Result<CorpusSummary, CorpusError> {
    generate_with_progress(out, opts, &|_| {})
}

/// [`generate`], calling `progress(n)` as lessons are written.
pub fn generate_with_progress(
    out: &Path,
    opts: &CorpusOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<CorpusSummary, CorpusError> {
    if opts.instructors == 0 || opts.lessons == 0 {
        return Err(CorpusError::Invalid(
            "--instructors and --lessons must be at least 1".into(),
        ));
    }
    if !(0.0..=1.0).contains(&opts.bad_rate) {
        return Err(CorpusError::Invalid(
            "--bad-rate must be between 0 and 1".into(),
        ));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CorpusError::Io { path, source }
    };
    let transcripts = out.join("transcripts");
    std::fs::create_dir_all(&transcripts).map_err(io(&transcripts))?;
    let instructors: Vec<Instructor> = (0..opts.instructors)
        .map(|i| instructor(opts.seed, i))
        .collect();

    // Lessons are dealt to instructors round-robin, then grouped into courses of 6–12 lessons.
    let rows: Vec<Result<(String, bool, bool), CorpusError>> = (0..opts.lessons)
        .into_par_iter()
        .map(|n| {
            let ins = &instructors[n % instructors.len()];
            let k = n / instructors.len();
            let lesson = language::lesson(
                opts.seed,
                n,
                k,
                ins.styles,
                ins.pace,
                ins.verbosity,
                &ins.name,
                opts.bad_rate,
            );
            let dir = transcripts.join(&ins.id);
            std::fs::create_dir_all(&dir).map_err(io(&dir))?;
            let file = dir.join(format!("{}.json", lesson.id));
            write_atomic(&file, &lesson.json).map_err(io(&file))?;
            let mut audio_path = String::new();
            if let (Some(font), false) = (&opts.audio, lesson.bad) {
                audio_path = format!("audio/{}/{}.wav", ins.id, lesson.id);
                let (samples, truth) = audio::render(
                    font,
                    opts.seed,
                    n,
                    &audio::Timeline {
                        id: &lesson.id,
                        words: &lesson.words,
                        utterances: &lesson.utterances,
                        demo_gaps: &lesson.demo_gaps,
                        runtime_s: lesson.runtime_s,
                    },
                    &audio_path,
                );
                for (sub, name, bytes) in [
                    (
                        "audio",
                        format!("{}.wav", lesson.id),
                        audio::wav_bytes(&samples),
                    ),
                    (
                        "truth",
                        format!("{}.json", lesson.id),
                        serde_json::to_vec_pretty(&truth).unwrap_or_default(),
                    ),
                ] {
                    let dir = out.join(sub).join(&ins.id);
                    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
                    let file = dir.join(name);
                    write_atomic(&file, &bytes).map_err(io(&file))?;
                }
            }
            progress(1);
            let row = manifest_row(
                &lesson,
                ins,
                &format!("transcripts/{}/{}.json", ins.id, lesson.id),
                &audio_path,
            );
            Ok((row, lesson.bad, !audio_path.is_empty()))
        })
        .collect();
    let mut manifest = String::from(
        "lesson_id,title,description,course,course_id,course_description,chapter,instructor,instructor_id,level,style,order,runtime,transcript_path,audio_path,synthetic\n",
    );
    let (mut bad, mut with_audio) = (0, 0);
    for r in rows {
        let (row, is_bad, has_audio) = r?;
        manifest.push_str(&row);
        bad += usize::from(is_bad);
        with_audio += usize::from(has_audio);
    }
    let manifest_path = out.join("manifest.csv");
    write_atomic(&manifest_path, manifest.as_bytes()).map_err(io(&manifest_path))?;
    let readme = out.join("README.md");
    write_atomic(&readme, language::CORPUS_README.as_bytes()).map_err(io(&readme))?;
    Ok(CorpusSummary {
        out: out.to_path_buf(),
        manifest: manifest_path,
        lessons: opts.lessons,
        instructors: opts.instructors,
        bad_files: bad,
        seed: opts.seed,
        with_audio,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn manifest_row(l: &language::Lesson, ins: &Instructor, path: &str, audio_path: &str) -> String {
    let fields = [
        l.id.clone(),
        l.title.clone(),
        l.description.clone(),
        l.course.clone(),
        l.course_id.clone(),
        format!(
            "Synthetic sample course by the fictional instructor {}, generated by fretwise.",
            ins.name
        ),
        l.chapter.clone(),
        format!("{} (fictional)", ins.name),
        ins.id.clone(),
        l.level.to_string(),
        l.style.to_string(),
        l.order.to_string(),
        format!("{:.0}", l.runtime_s),
        path.to_string(),
        audio_path.to_string(),
        "true".to_string(),
    ];
    let mut row = fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",");
    row.push('\n');
    row
}

/// Writes via a temporary file and rename, so a killed run never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
    }
    std::fs::rename(&tmp, path)
}

/// One long recording made of generated lessons played back to back, for timing the lesson
/// analysis on hours of audio: mono samples at [`AUDIO_RATE`] and the transcript's spans.
#[derive(Debug, Clone)]
pub struct LongLesson {
    /// Mono samples at [`AUDIO_RATE`].
    pub samples: Vec<f32>,
    /// Every word's (start, end), seconds.
    pub words: Vec<(f64, f64)>,
    /// Every utterance's (start, end), seconds.
    pub utterances: Vec<(f64, f64)>,
    /// Demonstrations played in it.
    pub demonstrations: usize,
}

/// At least `seconds` of generated lessons with audio, back to back (seeded).
pub fn long_lesson(font: &Font, seed: u64, seconds: f64) -> LongLesson {
    let mut out = LongLesson {
        samples: Vec::new(),
        words: Vec::new(),
        utterances: Vec::new(),
        demonstrations: 0,
    };
    let mut n = 0;
    while (out.samples.len() as f64) < seconds * f64::from(AUDIO_RATE) {
        let ins = instructor(seed, n % 7);
        let lesson = language::lesson(
            seed,
            n,
            n / 7,
            ins.styles,
            ins.pace,
            ins.verbosity,
            &ins.name,
            0.0,
        );
        let (samples, truth) = audio::render(
            font,
            seed,
            n,
            &audio::Timeline {
                id: &lesson.id,
                words: &lesson.words,
                utterances: &lesson.utterances,
                demo_gaps: &lesson.demo_gaps,
                runtime_s: lesson.runtime_s,
            },
            "",
        );
        let offset = out.samples.len() as f64 / f64::from(AUDIO_RATE);
        let shift = |spans: &[(f64, f64)]| -> Vec<(f64, f64)> {
            spans
                .iter()
                .map(|(s, e)| (s + offset, e + offset))
                .collect()
        };
        out.words.extend(shift(&lesson.words));
        out.utterances.extend(shift(&lesson.utterances));
        out.demonstrations += truth.demonstrations.len();
        out.samples.extend_from_slice(&samples);
        n += 1;
    }
    out
}

/// 16-bit PCM mono WAV bytes at [`AUDIO_RATE`].
pub fn wav(samples: &[f32]) -> Vec<u8> {
    audio::wav_bytes(samples)
}
