//! Audio analysis of a student's guitar playing: decoding (WAV, FLAC, MP3, OGG Vorbis, M4A/AAC),
//! a pYIN-style pitch tracker, spectral-flux onsets, note segmentation, tuning reference and
//! basic features. Note names come from `fretwise-theory`.
//!
//! Scoring against an exercise (JSON or tab) with feedback in words is in `score`.
//!
//! Tempo and beats are in `tempo`.
//!
//! Chords (chroma templates from the theory engine, Viterbi) are in `chords`.
//!
//! `plot::svg` and `plot::png` draw an analysis (and its score).
//!
//! `Streamer` analyses audio arriving in chunks (tuner readings, practice-mode notes).
//!
//! Techniques (bends, vibrato, slides, hammer-ons, pull-offs, muted notes) are in `techniques`.
//!
//! A lesson's recording (demonstrations between the words, recording quality) is in `lesson`.

mod chord_model;
mod chords;
mod confidence;
mod decode;
mod hum;
mod lanes;
mod lesson;
mod notes;
mod onset;
mod pitch;
mod plot;
mod rfft;
mod score;
mod spectral;
mod stft;
mod stream;
mod techniques;
mod tempo;
mod under_speech;

use serde::{Deserialize, Serialize};

pub use chords::{BAND_CHROMA_LEN, ChordModel, ChordSpan, MODEL_QUALITIES, chord_features, chords};
pub use confidence::{LOW_CONFIDENCE, span_confidence};
pub use decode::{
    ANALYSIS_RATE, DecodeOptions, Decoded, StreamInfo, Truncation, decode, decode_stream,
    decode_with, resample,
};
pub use lesson::{
    AudioQuality, Demonstration, EMBEDDING_DIM, LessonAudio, LessonOptions, LessonScanner,
    UtteranceAudio, analyze_lesson, analyze_lesson_samples, analyze_span, embedding,
};
pub use notes::{Note, segment, tuning_reference};
pub use onset::{Attack, onsets};
pub use pitch::{F_MAX, F_MIN, HOP, PitchTrack, track};
pub use plot::{png, svg};
pub use score::{
    Exercise, ExerciseError, ExerciseNote, ExpectedTechnique, Feedback, NoteResult, Score,
    Strictness, Summary, TechniqueResult, score, technique_feedback,
};
pub use spectral::{MelBank, N_MFCC, SpectralFeatures, spectral_features};
pub use stream::{Reading, StreamEvent, Streamer};
pub use techniques::{Technique, techniques};
pub use tempo::beats;

/// Errors reading audio.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AudioError {
    /// Zero bytes or zero samples.
    #[error("the file holds no audio (zero length)")]
    Empty,
    /// Not a container/codec we can read.
    #[error("not a readable audio file: {0}")]
    NotAudio(String),
    /// A codec or rate we cannot handle.
    #[error("unsupported audio: {0}")]
    Unsupported(String),
    /// Broken data inside the file.
    #[error("corrupt audio: {0}")]
    Corrupt(String),
    /// The file was cut short.
    #[error("{0}")]
    Truncated(Truncation),
    /// Longer than the limit.
    #[error(
        "audio is {seconds:.0} s long; the limit is {limit:.0} s (raise it with --max-seconds)"
    )]
    TooLong {
        /// Decoded so far.
        seconds: f64,
        /// The limit.
        limit: f64,
    },
}

/// The pitch track in the output's shape.
#[derive(Debug, Clone, Serialize)]
pub struct PitchTrackJson {
    /// Seconds between values.
    pub hop_s: f64,
    /// Hz per frame, 0 = unvoiced.
    pub f0_hz: Vec<f64>,
    /// Confidence per frame, 0 = unvoiced.
    pub confidence: Vec<f64>,
}

/// Audio features for datasets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Seconds.
    pub duration_s: f64,
    /// RMS over the whole clip, dBFS.
    pub rms_db: f64,
    /// Loudest frame, dBFS.
    pub peak_rms_db: f64,
    /// Signal-to-noise estimate: loud frames (90th percentile) over quiet ones (10th), dB.
    pub snr_db: f64,
    /// Share of frames with a pitch.
    pub voiced_ratio: f64,
    /// Median fundamental of voiced frames, Hz (0 if none).
    pub median_f0_hz: f64,
    /// Lowest and highest fundamental (5th/95th percentile), Hz.
    pub f0_range_hz: [f64; 2],
    /// Spectral centroid, roll-off, flatness and MFCC statistics.
    #[serde(flatten)]
    pub spectral: SpectralFeatures,
}

/// Everything fretwise hears in a recording.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Seconds.
    pub duration_s: f64,
    /// The file's sample rate.
    pub sample_rate: u32,
    /// A4 the playing is tuned to.
    pub tuning_ref_hz: f64,
    /// Pitch per frame.
    pub pitch_track: PitchTrackJson,
    /// Notes.
    pub notes: Vec<Note>,
    /// Onset times.
    pub onsets_s: Vec<f64>,
    /// Tempo estimate in bpm (0 when there is no pulse).
    pub tempo_bpm: f64,
    /// Confidence of the tempo, 0–1 (normalised autocorrelation at the beat period).
    pub tempo_confidence: f64,
    /// Beat times.
    pub beats_s: Vec<f64>,
    /// Chords over time (`N` = no chord).
    pub chords: Vec<ChordSpan>,
    /// Bends, vibrato, slides, hammer-ons, pull-offs and muted notes, in time order.
    pub techniques: Vec<Technique>,
    /// Features.
    pub features: Features,
    /// Plain-words remarks ("no notes detected", "clipped", …).
    pub remarks: Vec<String>,
    /// The score against an exercise, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<Score>,
    /// Set when this is a partial analysis of a truncated file (only when asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncation>,
}

fn db(x: f64) -> f64 {
    if x > 0.0 { 20.0 * x.log10() } else { -120.0 }
}

fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((s.len() - 1) as f64 * p).round() as usize]
}

/// Level, SNR estimate, pitch statistics and spectral features of mono samples at `rate`
/// with their pitch track.
pub(crate) fn features(samples: &[f32], rate: u32, pt: &PitchTrack) -> Features {
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    let duration_s = samples.len() as f64 / f64::from(rate);
    let voiced: Vec<f64> = pt.f0_hz.iter().copied().filter(|f| *f > 0.0).collect();
    let mean_sq =
        samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len().max(1) as f64;
    let peak_rms = pt.rms.iter().copied().fold(0.0f64, f64::max);
    let loud = percentile(&pt.rms, 0.9);
    let quiet = percentile(&pt.rms, 0.1).max(1e-7);
    Features {
        duration_s: round(duration_s, 3),
        rms_db: round(db(mean_sq.sqrt()), 1),
        peak_rms_db: round(db(peak_rms), 1),
        snr_db: round(db(loud / quiet).min(120.0), 1),
        voiced_ratio: round(voiced.len() as f64 / pt.f0_hz.len().max(1) as f64, 3),
        median_f0_hz: round(percentile(&voiced, 0.5), 2),
        f0_range_hz: [
            round(percentile(&voiced, 0.05), 2),
            round(percentile(&voiced, 0.95), 2),
        ],
        spectral: spectral_features(samples, rate),
    }
}

/// Features of several stretches as one: each weighted by its duration (levels and SNR
/// averaged as power, the pitch range the widest); `None` when there is nothing.
pub fn combine_features(parts: &[&Features]) -> Option<Features> {
    let total: f64 = parts.iter().map(|f| f.duration_s).sum();
    if parts.is_empty() || total <= 0.0 {
        return None;
    }
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    let mean = |get: &dyn Fn(&Features) -> f64| {
        parts.iter().map(|f| get(f) * f.duration_s).sum::<f64>() / total
    };
    let power_mean = |get: &dyn Fn(&Features) -> f64| {
        10.0 * mean(&|f| 10f64.powf(get(f) / 10.0)).max(1e-12).log10()
    };
    let voiced: Vec<&&Features> = parts.iter().filter(|f| f.median_f0_hz > 0.0).collect();
    let voiced_total: f64 = voiced.iter().map(|f| f.duration_s).sum();
    let lo = voiced
        .iter()
        .map(|f| f.f0_range_hz[0])
        .fold(f64::INFINITY, f64::min);
    let hi = voiced.iter().map(|f| f.f0_range_hz[1]).fold(0.0, f64::max);
    let vec_mean = |get: &dyn Fn(&Features) -> &Vec<f64>| -> Vec<f64> {
        let n = parts.iter().map(|f| get(f).len()).max().unwrap_or(0);
        (0..n)
            .map(|k| round(mean(&|f| get(f).get(k).copied().unwrap_or(0.0)), 3))
            .collect()
    };
    Some(Features {
        duration_s: round(total, 3),
        rms_db: round(power_mean(&|f| f.rms_db), 1),
        peak_rms_db: round(
            parts.iter().map(|f| f.peak_rms_db).fold(-120.0, f64::max),
            1,
        ),
        snr_db: round(power_mean(&|f| f.snr_db), 1),
        voiced_ratio: round(mean(&|f| f.voiced_ratio), 3),
        median_f0_hz: if voiced_total > 0.0 {
            round(
                voiced
                    .iter()
                    .map(|f| f.median_f0_hz * f.duration_s)
                    .sum::<f64>()
                    / voiced_total,
                2,
            )
        } else {
            0.0
        },
        f0_range_hz: if voiced.is_empty() {
            [0.0, 0.0]
        } else {
            [round(lo, 2), round(hi, 2)]
        },
        spectral: SpectralFeatures {
            spectral_centroid_hz: round(mean(&|f| f.spectral.spectral_centroid_hz), 1),
            spectral_rolloff_hz: round(mean(&|f| f.spectral.spectral_rolloff_hz), 1),
            spectral_flatness: round(mean(&|f| f.spectral.spectral_flatness), 4),
            mfcc_mean: vec_mean(&|f| &f.spectral.mfcc_mean),
            mfcc_std: vec_mean(&|f| &f.spectral.mfcc_std),
        },
    })
}

/// How long before a take's first pitched frame its first note's attack can be, seconds (the
/// tracker's window and voicing take this long to hear a pitch).
const LEAD_S: f64 = 0.1;

/// Least rise (dB) of an attack that no pitched frame follows for it to count.
const UNPITCHED_RISE_DB: f64 = 10.0;
/// How soon after its attack a note's first pitched frame comes, seconds.
const PITCH_AFTER_ATTACK_S: f64 = 0.15;

/// Whether `track` has a pitched frame from `t` to [`PITCH_AFTER_ATTACK_S`] after it.
fn pitched_within(track: &PitchTrack, t: f64) -> bool {
    let hop = track.hop_s;
    let lo = ((t / hop).floor().max(0.0) as usize).min(track.f0_hz.len());
    let hi = (((t + PITCH_AFTER_ATTACK_S) / hop).ceil() as usize).min(track.f0_hz.len());
    track.f0_hz[lo..hi].iter().any(|f| *f > 0.0)
}

/// Analyses mono samples at [`ANALYSIS_RATE`]; `source_rate` is reported as the sample rate.
pub fn analyze_samples(samples: &[f32], source_rate: u32) -> Analysis {
    let rate = ANALYSIS_RATE;
    // Mains hum under the playing would be tracked as its pitch at low SNR.
    let dehummed = hum::remove(samples, rate);
    let samples: &[f32] = &dehummed;
    let mut pt = track(samples, rate);
    // Onsets on a finer hop than pitch: timing matters more than frequency resolution there.
    let (envelope, mut attacks) = onsets(samples, rate, HOP / 2);
    // Noise that starts with the recording reads as an attack there; nothing before the first
    // pitched sound's own attack is a note's.
    let pitched = pt.f0_hz.iter().position(|f| *f > 0.0);
    if let Some(first) = pitched {
        let first_s = first as f64 * pt.hop_s;
        attacks.retain(|a| a.time_s >= first_s - LEAD_S);
    }
    // The tempo's even-spacing fallback reads the attacks before the rule below (session 35:
    // docs/AUDIO.md says why).
    let attack_times: Vec<f64> = attacks.iter().map(|a| a.time_s).collect();
    // Noise after the playing (or between phrases) makes small flux peaks of its own: in a take
    // with pitched sound, an attack that no pitched frame follows is a note's only if it is a
    // hard hit (a muted strum, a dead note).
    if pitched.is_some() {
        attacks.retain(|a| a.rise_db >= UNPITCHED_RISE_DB || pitched_within(&pt, a.time_s));
    }
    let mut onset_times: Vec<f64> = attacks.iter().map(|a| a.time_s).collect();
    pitch::correct_attack_subharmonics(&mut pt, &onset_times);
    pitch::unify_octaves(&mut pt, &onset_times);
    let (mut tempo_bpm, mut tempo_confidence, mut beats_s) =
        beats(&envelope, (HOP / 2) as f64 / f64::from(rate));
    // A weak envelope pulse but evenly spaced attacks (a few long notes): the attacks are it.
    if tempo_confidence < 0.3
        && let Some((t, c, b)) = tempo::even_onsets(&attack_times)
    {
        (tempo_bpm, tempo_confidence, beats_s) = (t, c, b);
    }
    let a4 = tuning_reference(&pt);
    let mut notes = segment(&pt, &onset_times, a4);
    // A note that starts by a pitch change alone (legato under the previous note's damping, a
    // hammer-on) is placed by the frames; where its pitch's bins start to rise is sharper.
    for k in 0..notes.len() {
        let start = notes[k].onset_s;
        if !onset_times.iter().any(|o| (o - start).abs() <= 0.04)
            && let Some(t) = onset::pitch_change_onset(samples, rate, start)
        {
            let t = (t * 1000.0).round() / 1000.0;
            if k == 0 || t > notes[k - 1].onset_s + 0.02 {
                notes[k].onset_s = t;
                if k > 0 {
                    notes[k - 1].offset_s = notes[k - 1].offset_s.min(t);
                }
            }
        }
    }
    let note_starts: Vec<f64> = notes.iter().map(|n| n.onset_s).collect();
    let played = techniques(&pt, &attacks, a4, &note_starts);
    // A bent note is one note at its fretted pitch, however far the bend went and came back.
    let bends: Vec<(f64, f64)> = played
        .iter()
        .filter_map(|t| match t {
            Technique::Bend { start_s, end_s, .. } => Some((*start_s, *end_s)),
            _ => None,
        })
        .collect();
    notes::join_spans(&mut notes, &bends, &onset_times);
    for n in &mut notes {
        n.onset_pitch_s =
            onset::own_bins_onset(samples, rate, n.onset_s).map(|t| (t * 1000.0).round() / 1000.0);
        n.onset_body_s = onset::body_after_preattack(samples, rate, n.onset_s)
            .map(|t| (t * 1000.0).round() / 1000.0);
        let hz = fretwise_theory::hz_of_midi(f64::from(n.midi) + n.cents / 100.0, a4);
        n.restrikes = onset::restrikes(samples, rate, n.onset_s, n.offset_s, hz);
        n.other_midi = notes::pitch_alternatives(samples, rate, n.onset_s, n.offset_s, hz)
            .into_iter()
            .map(|d| n.midi + d)
            .collect();
    }
    // A note that starts by a pitch change alone (legato, or an attack the spectrum hides under
    // distortion) still starts there: its start joins the onsets.
    for n in &notes {
        if !onset_times.iter().any(|o| (o - n.onset_s).abs() <= 0.04) {
            onset_times.push(n.onset_s);
        }
    }
    onset_times.sort_by(f64::total_cmp);
    let duration_s = samples.len() as f64 / f64::from(rate);
    let peak_rms = pt.rms.iter().copied().fold(0.0f64, f64::max);
    let mut remarks = Vec::new();
    if peak_rms < 1e-4 {
        remarks.push("silence only: no notes detected".to_string());
    } else if notes.is_empty() {
        remarks.push("no notes detected".to_string());
    }
    if samples.iter().filter(|s| s.abs() >= 0.999).count() > samples.len() / 1000 + 10 {
        remarks.push("the recording clips (too loud at the input)".to_string());
    }
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    Analysis {
        duration_s: round(duration_s, 3),
        sample_rate: source_rate,
        tuning_ref_hz: round(a4, 2),
        pitch_track: PitchTrackJson {
            hop_s: pt.hop_s,
            f0_hz: pt.f0_hz.iter().map(|f| round(*f, 2)).collect(),
            confidence: pt.confidence.iter().map(|c| round(*c, 3)).collect(),
        },
        // 0.1 ms: the attack is placed finer than a millisecond.
        onsets_s: onset_times.iter().map(|t| round(*t, 4)).collect(),
        tempo_bpm,
        tempo_confidence,
        beats_s,
        chords: chords(samples, rate),
        techniques: played,
        features: features(samples, rate, &pt),
        notes,
        remarks,
        score: None,
        truncated: None,
    }
}

/// Plans the analysis's FFTs and designs resamplers from the usual rates (44.1 and 48 kHz), two
/// of each, by analysing a generated second of a plucked note on two threads, so a service's
/// first takes do not pay for them (the plans and resamplers are kept for the whole process).
pub fn warm_up() {
    let pluck = |rate: u32| -> Vec<f32> {
        (0..rate as usize)
            .map(|i| {
                let t = i as f32 / rate as f32;
                0.3 * (std::f32::consts::TAU * 196.0 * t).sin() * (-3.0 * t).exp()
            })
            .collect()
    };
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for rate in [44_100, 48_000] {
                    if let Ok(samples) = resample(&pluck(rate), rate, ANALYSIS_RATE) {
                        analyze_samples(&samples, rate);
                    }
                }
            });
        }
    });
}

/// Decodes and analyses a file's bytes; a truncated file is an error.
pub fn analyze_bytes(
    bytes: &[u8],
    extension: Option<&str>,
    max_seconds: f64,
) -> Result<Analysis, AudioError> {
    analyze_bytes_with(
        bytes,
        extension,
        DecodeOptions {
            max_seconds,
            allow_partial: false,
        },
    )
}

/// [`analyze_bytes`] with decode options; a partial analysis says so in `truncated` and in
/// its first remark.
pub fn analyze_bytes_with(
    bytes: &[u8],
    extension: Option<&str>,
    options: DecodeOptions,
) -> Result<Analysis, AudioError> {
    let d = decode_with(bytes, extension, options)?;
    let mut a = analyze_samples(&d.samples, d.source_rate);
    if let Some(t) = d.truncated {
        a.remarks.insert(0, format!("PARTIAL ANALYSIS: {t}"));
        a.truncated = Some(t);
    }
    Ok(a)
}
