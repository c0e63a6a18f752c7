//! Lesson audio: the stretches where the instructor plays instead of talking (demonstrations),
//! found in the gaps of the transcript's word timings and analysed like a take, and the
//! recording's quality (speech-to-noise ratio, level consistency, clipping).
//!
//! A lesson streams through [`LessonScanner`]: it keeps one power value per 20 ms frame and the
//! samples of one silence between words at a time (each is analysed as soon as it ends), never
//! the whole recording.

use fretwise_theory::{Key, KeyMode, PitchClass, Scale};
use serde::{Deserialize, Serialize};

use crate::chords::ChordSpan;
use crate::decode::{ANALYSIS_RATE, DecodeOptions, decode_stream, resample};
use crate::notes::Note;
use crate::techniques::Technique;
use crate::{AudioError, Features, analyze_samples, track};

/// How a lesson's audio is searched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LessonOptions {
    /// Shortest silence between words that may hold a demonstration, seconds.
    pub min_gap_s: f64,
    /// Longest stretch of one silence analysed, seconds (the rest is reported, not analysed).
    pub max_window_s: f64,
    /// Longest recording accepted, seconds.
    pub max_seconds: f64,
}

impl Default for LessonOptions {
    fn default() -> Self {
        Self {
            min_gap_s: 1.0,
            max_window_s: 300.0,
            max_seconds: 6.0 * 3600.0,
        }
    }
}

/// One stretch of playing in a lesson, analysed; all times are the lesson's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Demonstration {
    /// Start, seconds into the lesson.
    pub start_s: f64,
    /// End, seconds into the lesson.
    pub end_s: f64,
    /// The notes played (lesson times).
    pub notes: Vec<Note>,
    /// The key the notes fit best ("A minor"), from the theory engine's key profiles.
    pub key: Option<String>,
    /// Correlation of the notes with that key's profile, −1–1.
    pub key_confidence: f64,
    /// The smallest common scale on the key's tonic holding every note ("A minor pentatonic").
    pub scale: Option<String>,
    /// Tempo in bpm (0 when there is no pulse).
    pub tempo_bpm: f64,
    /// Confidence of the tempo, 0–1.
    pub tempo_confidence: f64,
    /// Chords over time (lesson times).
    pub chords: Vec<ChordSpan>,
    /// Techniques heard (lesson times).
    pub techniques: Vec<Technique>,
    /// Features of the stretch.
    pub features: Features,
    /// A fixed-length description of the playing for similarity search (see [`embedding`]).
    pub embedding: Vec<f32>,
    /// Seconds of it played under the next words (a phrase that runs on after the instructor
    /// talks again); 0 when it ends in the silence.
    #[serde(default)]
    pub under_speech_s: f64,
}

/// One utterance's sound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UtteranceAudio {
    /// The utterance's index in the transcript.
    pub idx: usize,
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Mean power, dBFS.
    pub level_db: f64,
    /// Level, pitch statistics, spectral statistics and MFCCs; its `snr_db` is the
    /// utterance's power over the lesson's noise floor.
    pub features: Features,
}

/// How clean and even the recording is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AudioQuality {
    /// Speech power (inside the transcript's words) over the noise floor, dB.
    pub snr_db: f64,
    /// The noise floor (the median 20 ms frame between words and outside playing), dBFS.
    pub noise_floor_db: f64,
    /// Mean speech level, dBFS.
    pub speech_level_db: f64,
    /// Standard deviation of the level of each stretch of speech, dB (0 = perfectly even).
    pub level_spread_db: f64,
    /// Share of samples at full scale.
    pub clipping_ratio: f64,
}

/// What fretwise hears in a lesson's recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonAudio {
    /// Seconds.
    pub duration_s: f64,
    /// The file's sample rate.
    pub sample_rate: u32,
    /// Recording quality.
    pub quality: AudioQuality,
    /// The stretches of playing, in time order.
    pub demonstrations: Vec<Demonstration>,
    /// Each utterance's level, SNR and features (the multimodal export's `audio_features`).
    pub utterances: Vec<UtteranceAudio>,
    /// Plain-words remarks (silences too long to analyse whole, …).
    pub remarks: Vec<String>,
}

/// Length of one power frame, seconds.
const FRAME_S: f64 = 0.02;
/// Shortest stretch of pitched frames that counts as playing, seconds.
const MIN_RUN_S: f64 = 0.04;
/// Least pitched playing a demonstration holds, seconds.
const MIN_PLAYING_S: f64 = 0.3;
/// Pitch change between neighbouring frames still counted as a held pitch, cents.
const STEADY_CENTS: f64 = 10.0;
/// Least share of held-pitch frame pairs in playing.
const MIN_STEADY_SHARE: f64 = 0.85;
/// How far above the playing threshold (amplitude) a note's loudest frame must reach.
const NOTE_OVER_FLOOR: f64 = 1.0;
/// Least voicing confidence of a playing frame (noise lowers it a lot: at 10 dB SNR a clearly
/// heard note's frames read 0.05–0.3).
const MIN_CONFIDENCE: f64 = 0.05;
/// Shortest note kept in a demonstration, seconds (noise breaks into blips shorter than this;
/// sixteenths at 180 bpm last 83 ms).
const MIN_NOTE_S: f64 = 0.08;
/// Fewest notes a demonstration holds.
const MIN_NOTES: usize = 2;
/// Frames within this of a word are neither noise nor playing, seconds (ASR word boundaries
/// are loose by tens of milliseconds).
const WORD_GUARD_S: f64 = 0.06;

/// How far past a silence's end a phrase still playing there is followed under the words,
/// seconds.
const LOOK_PAST_S: f64 = 4.0;
/// Playing heard this close to a silence's end is still going when the words start, seconds.
const STILL_PLAYING_S: f64 = 0.3;
/// Seconds of the silence's end read again with the words after it, so a note ringing across
/// the boundary is seen as the same note.
const CONTEXT_S: f64 = 0.4;
/// Notes followed under the words that start closer together than this are one note, seconds.
const SAME_NOTE_S: f64 = 0.12;
/// Furthest a note followed under the words may start from the phrase's eighth-note grid,
/// seconds.
const OFF_GRID_S: f64 = 0.05;
/// Longest pause inside a phrase followed under the words, seconds.
const MAX_PAUSE_S: f64 = 1.0;

/// Power histogram: lowest bin edge and bin width, dB.
const HIST_FLOOR_DB: f64 = -160.0;
const HIST_STEP_DB: f64 = 0.5;
const HIST_BINS: usize = 340;

fn hist_bin(power: f64) -> usize {
    let db = 10.0 * power.max(1e-16).log10();
    (((db - HIST_FLOOR_DB) / HIST_STEP_DB).floor().max(0.0) as usize).min(HIST_BINS - 1)
}

/// A silence between words, and the samples kept from it.
#[derive(Debug)]
struct Window {
    /// `None` for a silence between words, the utterance's index for speech.
    utterance: Option<usize>,
    start_s: f64,
    end_s: f64,
    /// Where the samples kept end: a silence keeps the first seconds of the words after it,
    /// where a phrase may run on.
    keep_to_s: f64,
    /// Index of the first sample kept (at the source rate).
    first: u64,
    samples: Vec<f32>,
}

impl Window {
    /// Index one past the last sample it holds (`u64::MAX` while open-ended).
    fn last_sample(&self, rate: f64) -> u64 {
        if self.keep_to_s.is_finite() {
            (self.keep_to_s * rate).round() as u64
        } else {
            u64::MAX
        }
    }
}

/// Streams a lesson's samples (any rate, mono) and finds its demonstrations.
#[derive(Debug)]
pub struct LessonScanner {
    options: LessonOptions,
    rate: u32,
    words: Vec<(f64, f64)>,
    /// Silences not analysed yet, in time order.
    windows: std::collections::VecDeque<Window>,
    /// Demonstrations found so far.
    found: Vec<Demonstration>,
    /// Utterances measured so far, with their mean power (SNR is set at the end).
    spoken: Vec<(UtteranceAudio, f64)>,
    /// The merged word spans widened by the guard, and the next one a frame may fall in.
    guarded: Vec<(f64, f64)>,
    word_cursor: usize,
    /// Histogram of the power of frames between words, 0.5 dB bins from −160 dBFS.
    quiet_hist: Vec<u32>,
    frame_len: usize,
    frame_acc: f64,
    frame_fill: usize,
    power: Vec<f32>,
    clipped: u64,
    seen: u64,
    remarks: Vec<String>,
}

impl LessonScanner {
    /// A scanner for audio at `rate` Hz whose speech lies in `words` (start, end seconds).
    /// `utterances` (start, end seconds, in order) each get their own features.
    pub fn new(
        rate: u32,
        words: &[(f64, f64)],
        utterances: &[(f64, f64)],
        options: LessonOptions,
    ) -> Self {
        let mut words: Vec<(f64, f64)> = words
            .iter()
            .copied()
            .filter(|(s, e)| s.is_finite() && e.is_finite() && *e >= *s && *s >= 0.0)
            .collect();
        words.sort_by(|a, b| a.0.total_cmp(&b.0));
        // The silences: before the first word, between words, and after the last (open-ended).
        let mut windows = Vec::new();
        let mut last_end = 0.0f64;
        for &(s, e) in &words {
            if s - last_end >= options.min_gap_s {
                windows.push((last_end, s));
            }
            last_end = last_end.max(e);
        }
        windows.push((last_end, f64::INFINITY));
        let rate_f = f64::from(rate.max(1));
        let next_starts: Vec<f64> = windows.iter().skip(1).map(|w| w.0).collect();
        let windows = windows
            .into_iter()
            .enumerate()
            .map(|(i, (s, e))| {
                let start_s = if s > 0.0 { s + WORD_GUARD_S } else { s };
                let end_s = if e.is_finite() { e - WORD_GUARD_S } else { e };
                let next = next_starts.get(i).copied().unwrap_or(f64::INFINITY);
                Window {
                    utterance: None,
                    start_s,
                    end_s,
                    keep_to_s: (end_s + LOOK_PAST_S).min(next.max(end_s)),
                    first: (start_s * rate_f).round() as u64,
                    samples: Vec::new(),
                }
            })
            .filter(|w| w.end_s - w.start_s >= MIN_PLAYING_S)
            .chain(
                utterances
                    .iter()
                    .enumerate()
                    .filter(|(_, (s, e))| s.is_finite() && e.is_finite() && e > s && *s >= 0.0)
                    .map(|(i, &(s, e))| Window {
                        utterance: Some(i),
                        start_s: s,
                        end_s: e,
                        keep_to_s: e,
                        first: (s * rate_f).round() as u64,
                        samples: Vec::new(),
                    }),
            )
            .collect::<Vec<_>>();
        let mut windows = windows;
        windows.sort_by_key(|w| w.first);
        let windows: std::collections::VecDeque<Window> = windows.into();
        let mut guarded: Vec<(f64, f64)> = Vec::new();
        for &(s, e) in &words {
            let (s, e) = (s - WORD_GUARD_S, e + WORD_GUARD_S);
            match guarded.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => guarded.push((s, e)),
            }
        }
        Self {
            options,
            rate,
            words,
            windows,
            found: Vec::new(),
            spoken: Vec::new(),
            guarded,
            word_cursor: 0,
            quiet_hist: vec![0; HIST_BINS],
            frame_len: ((FRAME_S * rate_f).round() as usize).max(1),
            frame_acc: 0.0,
            frame_fill: 0,
            power: Vec::new(),
            clipped: 0,
            seen: 0,
            remarks: Vec::new(),
        }
    }

    /// Takes the next samples; a silence that ends inside them is analysed now. An error is
    /// one from resampling a silence's samples.
    pub fn push(&mut self, chunk: &[f32]) -> Result<(), AudioError> {
        let rate_f = f64::from(self.rate.max(1));
        let max_keep = (self.options.max_window_s * rate_f) as usize;
        let chunk_start = self.seen;
        let chunk_end = chunk_start + chunk.len() as u64;
        for w in self.windows.iter_mut() {
            if w.first >= chunk_end {
                break;
            }
            let last = w.last_sample(rate_f);
            let from = w.first.max(chunk_start);
            let to = last.min(chunk_end);
            if from < to && w.samples.len() < max_keep {
                let a = (from - chunk_start) as usize;
                let b = (to - chunk_start) as usize;
                let room = max_keep - w.samples.len();
                w.samples.extend_from_slice(&chunk[a..b.min(a + room)]);
            }
        }
        for &x in chunk {
            let v = f64::from(x);
            self.frame_acc += v * v;
            self.frame_fill += 1;
            if self.frame_fill == self.frame_len {
                self.end_frame();
            }
            if x.abs() >= 0.999 {
                self.clipped += 1;
            }
        }
        self.seen = chunk_end;
        let mut i = 0;
        while i < self.windows.len() {
            if self.windows[i].first >= chunk_end {
                break;
            }
            if self.windows[i].last_sample(rate_f) <= chunk_end {
                if let Some(w) = self.windows.remove(i) {
                    self.close(w)?;
                }
            } else {
                i += 1;
            }
        }
        Ok(())
    }

    /// Stores the frame just filled and counts it as quiet when it lies between words.
    fn end_frame(&mut self) {
        let p = self.frame_acc / self.frame_len as f64;
        self.frame_acc = 0.0;
        self.frame_fill = 0;
        let frame_s = self.frame_len as f64 / f64::from(self.rate.max(1));
        let (a, b) = (
            self.power.len() as f64 * frame_s,
            (self.power.len() + 1) as f64 * frame_s,
        );
        self.power.push(p as f32);
        while self
            .guarded
            .get(self.word_cursor)
            .is_some_and(|(_, e)| *e <= a)
        {
            self.word_cursor += 1;
        }
        let in_word = self
            .guarded
            .get(self.word_cursor)
            .is_some_and(|(s, _)| *s < b);
        if !in_word {
            self.quiet_hist[hist_bin(p)] += 1;
        }
    }

    /// The noise floor so far: the 20th percentile of the frames between words (power).
    fn rough_floor(&self) -> f64 {
        let total: u32 = self.quiet_hist.iter().sum();
        let mut acc = 0;
        for (i, n) in self.quiet_hist.iter().enumerate() {
            acc += n;
            if total > 0 && f64::from(acc) >= 0.2 * f64::from(total) {
                return 10f64.powf((HIST_FLOOR_DB + (i as f64 + 0.5) * HIST_STEP_DB) / 10.0);
            }
        }
        1e-12
    }

    /// Analyses a silence that has ended and frees its samples.
    fn close(&mut self, w: Window) -> Result<(), AudioError> {
        let rate_f = f64::from(self.rate.max(1));
        if let Some(idx) = w.utterance {
            if w.samples.is_empty() {
                return Ok(());
            }
            let power = w.samples.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>()
                / w.samples.len() as f64;
            let samples = resample(&w.samples, self.rate, ANALYSIS_RATE)?;
            let pt = track(&samples, ANALYSIS_RATE);
            self.spoken.push((
                UtteranceAudio {
                    idx,
                    start_s: r3(w.start_s),
                    end_s: r3(w.end_s.min(w.start_s + w.samples.len() as f64 / rate_f)),
                    level_db: r1(10.0 * power.max(1e-12).log10()),
                    features: crate::features(&samples, ANALYSIS_RATE, &pt),
                },
                power,
            ));
            return Ok(());
        }
        let silence_len = if w.end_s.is_finite() {
            (((w.end_s - w.start_s) * rate_f).round().max(0.0) as usize).min(w.samples.len())
        } else {
            w.samples.len()
        };
        if silence_len as f64 / rate_f >= self.options.max_window_s - 1e-9 {
            self.remarks.push(format!(
                "the silence from {:.1} s is longer than {:.0} s: only its first {:.0} s were searched for playing",
                w.start_s, self.options.max_window_s, self.options.max_window_s
            ));
        }
        let floor = self.rough_floor();
        if let Some(d) = self.demonstration(&w, silence_len, floor)? {
            self.found.push(d);
        }
        Ok(())
    }

    /// Finds and analyses the demonstrations and measures the recording.
    pub fn finish(mut self) -> Result<LessonAudio, AudioError> {
        if self.seen == 0 {
            return Err(AudioError::Empty);
        }
        let rate_f = f64::from(self.rate);
        let duration_s = self.seen as f64 / rate_f;
        let frame_s = self.frame_len as f64 / rate_f;
        let in_words = word_mask(&self.words, self.power.len(), frame_s, WORD_GUARD_S);
        // The open-ended silence after the last word ends with the recording.
        while let Some(w) = self.windows.pop_front() {
            self.close(w)?;
        }
        let demonstrations = std::mem::take(&mut self.found);
        let mut spoken = std::mem::take(&mut self.spoken);
        spoken.sort_by_key(|(u, _)| u.idx);
        let playing = |t: f64| {
            demonstrations
                .iter()
                .any(|d: &Demonstration| t >= d.start_s - 0.3 && t <= d.end_s + 0.5)
        };
        let noise: Vec<f64> = self
            .power
            .iter()
            .enumerate()
            .filter(|(i, _)| !in_words[*i] && !playing((*i as f64 + 0.5) * frame_s))
            .map(|(_, p)| f64::from(*p))
            .collect();
        let floor = if noise.len() >= 10 {
            percentile(&noise, 0.5)
        } else {
            percentile(
                &self.power.iter().map(|p| f64::from(*p)).collect::<Vec<_>>(),
                0.1,
            )
        }
        .max(1e-12);
        let speech_mask = word_mask(&self.words, self.power.len(), frame_s, 0.0);
        let speech: Vec<f64> = self
            .power
            .iter()
            .zip(&speech_mask)
            .filter(|(_, w)| **w)
            .map(|(p, _)| f64::from(*p))
            .collect();
        let speech_power = mean(&speech);
        let quality = AudioQuality {
            snr_db: r1(if speech.is_empty() {
                0.0
            } else {
                10.0 * ((speech_power - floor).max(floor * 1e-3) / floor).log10()
            }),
            noise_floor_db: r1(10.0 * floor.log10()),
            speech_level_db: r1(if speech.is_empty() {
                -120.0
            } else {
                10.0 * speech_power.max(1e-12).log10()
            }),
            level_spread_db: r1(level_spread(&self.words, &self.power, frame_s, floor)),
            clipping_ratio: (self.clipped as f64 / self.seen as f64 * 1e6).round() / 1e6,
        };
        let utterances = spoken
            .into_iter()
            .map(|(mut u, power)| {
                u.features.snr_db = r1(10.0 * ((power - floor).max(floor * 1e-3) / floor).log10());
                u
            })
            .collect();
        if quality.clipping_ratio > 1e-3 {
            self.remarks
                .push("the recording clips (too loud at the input)".to_string());
        }
        Ok(LessonAudio {
            duration_s: r3(duration_s),
            sample_rate: self.rate,
            quality,
            demonstrations,
            utterances,
            remarks: self.remarks,
        })
    }

    /// The playing inside one silence (its first `silence_len` samples; the rest are the
    /// words after it), if it holds any.
    fn demonstration(
        &self,
        w: &Window,
        silence_len: usize,
        rough_floor: f64,
    ) -> Result<Option<Demonstration>, AudioError> {
        let rate_f = f64::from(self.rate);
        if (silence_len as f64) < rate_f * MIN_PLAYING_S {
            return Ok(None);
        }
        let samples = resample(&w.samples[..silence_len], self.rate, ANALYSIS_RATE)?;
        let t0 = w.first as f64 / rate_f;
        let pt = track(&samples, ANALYSIS_RATE);
        // Playing: pitched frames clearly above the noise, in runs long enough to be notes.
        let threshold = (rough_floor * 4.0).sqrt();
        let min_run = (MIN_RUN_S / pt.hop_s).ceil() as usize;
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let mut start: Option<usize> = None;
        for i in 0..=pt.f0_hz.len() {
            let on = i < pt.f0_hz.len()
                && pt.f0_hz[i] > 0.0
                && pt.confidence[i] >= MIN_CONFIDENCE
                && pt.rms[i] > threshold;
            match (on, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    if i - s >= min_run {
                        runs.push((s, i));
                    }
                    start = None;
                }
                _ => {}
            }
        }
        let voiced: usize = runs.iter().map(|(s, e)| e - s).sum();
        // Strummed chords: pYIN hears little of one pitch in them, so they are found by their
        // chroma instead; a stretch is handled as strummed when they are most of its playing.
        let strummed = strummed_span(&samples, threshold);
        let chordal = strummed.is_some_and(|(_, _, held)| held >= 0.5 * voiced as f64 * pt.hop_s);
        let (first, last) = match (runs.first(), runs.last(), strummed.filter(|_| chordal)) {
            (_, _, Some((a, b, _))) => (
                ((a / pt.hop_s) as usize, (a / pt.hop_s) as usize + 1),
                ((b / pt.hop_s) as usize, (b / pt.hop_s) as usize + 1),
            ),
            (Some(f), Some(l), None) => (*f, *l),
            _ => return Ok(None),
        };
        if !chordal && voiced as f64 * pt.hop_s < MIN_PLAYING_S {
            return Ok(None);
        }
        // A fretted note holds its pitch; a voice glides (an "um" the transcript left out is
        // pitched too). Playing is mostly frames within a few cents of the one before.
        let (mut steady, mut pairs) = (0usize, 0usize);
        for &(s, e) in &runs {
            for i in s + 1..e {
                pairs += 1;
                let cents = 1200.0 * (pt.f0_hz[i] / pt.f0_hz[i - 1]).log2().abs();
                steady += usize::from(cents < STEADY_CENTS);
            }
        }
        if !chordal && (steady as f64) < MIN_STEADY_SHARE * pairs as f64 {
            return Ok(None);
        }
        // Pitch voicing starts a little after the pick's attack: the clip starts earlier so
        // the analysis sees the attack, and the demonstration starts at the first note.
        let a = ((first.0 as f64 * pt.hop_s - 0.25).max(0.0) * f64::from(ANALYSIS_RATE)) as usize;
        let b = (((last.1 as f64 * pt.hop_s + 0.15) * f64::from(ANALYSIS_RATE)) as usize)
            .min(samples.len());
        let clip = &samples[a..b];
        let analysis = analyze_samples(clip, self.rate);
        let dt = t0 + a as f64 / f64::from(ANALYSIS_RATE);
        // Notes the noise made: a note must rise clearly above the floor somewhere.
        let note_floor = threshold * NOTE_OVER_FLOOR;
        let loud = |n: &Note| {
            let from = ((n.onset_s + a as f64 / f64::from(ANALYSIS_RATE)) / pt.hop_s) as usize;
            let to = (((n.offset_s + a as f64 / f64::from(ANALYSIS_RATE)) / pt.hop_s).ceil()
                as usize)
                .min(pt.rms.len());
            pt.rms
                .get(from..to)
                .is_some_and(|r| r.iter().any(|x| *x >= note_floor))
        };
        let notes: Vec<Note> = analysis
            .notes
            .iter()
            .filter(|n| loud(n) && n.offset_s - n.onset_s >= MIN_NOTE_S)
            .map(|n| Note {
                onset_s: r3(n.onset_s + dt),
                onset_pitch_s: n.onset_pitch_s.map(|p| r3(p + dt)),
                onset_body_s: n.onset_body_s.map(|p| r3(p + dt)),
                offset_s: r3(n.offset_s + dt),
                restrikes: n.restrikes.iter().map(|r| r3(r + dt)).collect(),
                ..n.clone()
            })
            .collect();
        if !chordal && notes.len() < MIN_NOTES {
            return Ok(None);
        }
        // A phrase still going when the words start may run on under them.
        let silence_end = t0 + samples.len() as f64 / f64::from(ANALYSIS_RATE);
        let mut notes = notes;
        let under_speech_s = if !chordal
            && t0 + last.1 as f64 * pt.hop_s >= silence_end - STILL_PLAYING_S
            && w.samples.len() > silence_len
        {
            self.run_on(
                w,
                silence_len,
                silence_end,
                (analysis.tuning_ref_hz, analysis.tempo_bpm),
                &mut notes,
            )?
        } else {
            0.0
        };
        let start_s = match (chordal, notes.first()) {
            (false, Some(n)) => n.onset_s,
            _ => first.0 as f64 * pt.hop_s + t0,
        };
        let end_s = notes
            .iter()
            .map(|n| n.offset_s)
            .fold(t0 + last.1 as f64 * pt.hop_s, f64::max)
            .min(t0 + b as f64 / f64::from(ANALYSIS_RATE));
        // The notes followed under the words reach past the silence.
        let end_s = if under_speech_s > 0.0 {
            end_s.max(silence_end + under_speech_s)
        } else {
            end_s
        };
        let chords: Vec<ChordSpan> = analysis
            .chords
            .iter()
            .map(|c| ChordSpan {
                start_s: r3(c.start_s + dt),
                end_s: r3(c.end_s + dt),
                ..c.clone()
            })
            .collect();
        let keyed = if chordal {
            key_of_chords(&chords)
        } else {
            key_of(&notes)
        };
        let (key, key_confidence) = match keyed {
            Some((k, c)) => (Some(k), c),
            None => (None, 0.0),
        };
        let scale = key.as_ref().and_then(|k| {
            if chordal {
                // Chords are heard as a key's harmony, not as the notes of a scale.
                let name = if k.mode == KeyMode::Major {
                    "major"
                } else {
                    "minor"
                };
                Scale::new(k.tonic, name).ok()
            } else {
                scale_of(k, &notes)
            }
        });
        // Notes are spelled in the key: Bb in F major, A# in B major.
        if let Some(k) = &key {
            let sharps = k.signature() >= 0;
            for n in &mut notes {
                n.name = fretwise_theory::Note::from_midi(n.midi, sharps).to_string();
            }
        }
        let techniques = analysis
            .techniques
            .iter()
            .map(|t| t.clone().shifted(dt))
            .collect();
        let embedding = embedding(&notes, &analysis.features, analysis.tempo_bpm);
        Ok(Some(Demonstration {
            start_s: r3(start_s),
            end_s: r3(end_s),
            key: key.map(|k| k.to_string()),
            key_confidence: r3(key_confidence),
            scale: scale.map(|s| s.to_string()),
            tempo_bpm: analysis.tempo_bpm,
            tempo_confidence: analysis.tempo_confidence,
            notes,
            chords,
            techniques,
            features: analysis.features,
            embedding,
            under_speech_s: r3(under_speech_s),
        }))
    }

    /// Follows a phrase under the words after its silence (which ends at `silence_end`,
    /// lesson seconds): the held notes on its tuning grid (`a4` Hz) that go on from its last
    /// note without a long pause, in its time (`tempo_bpm`), join `notes`. Returns how far past
    /// the silence they reach.
    fn run_on(
        &self,
        w: &Window,
        silence_len: usize,
        silence_end: f64,
        (a4, tempo_bpm): (f64, f64),
        notes: &mut Vec<Note>,
    ) -> Result<f64, AudioError> {
        // A phrase keeps its time: notes under the words start on its eighth-note grid, counted
        // from its last note in the silence.
        let anchor = notes.last().map_or(silence_end, |n| n.onset_s);
        let eighth = if tempo_bpm > 0.0 {
            30.0 / tempo_bpm
        } else {
            0.0
        };
        let in_time = |t: f64| {
            if eighth <= 0.0 {
                return true;
            }
            let x = (t - anchor) / eighth;
            (x - x.round()).abs() * eighth <= OFF_GRID_S
        };
        let (Some(lo), Some(hi)) = (
            notes.iter().map(|n| n.midi).min(),
            notes.iter().map(|n| n.midi).max(),
        ) else {
            return Ok(0.0);
        };
        let rate_f = f64::from(self.rate);
        let from = silence_len.saturating_sub((CONTEXT_S * rate_f) as usize);
        let context = resample(&w.samples[from..], self.rate, ANALYSIS_RATE)?;
        let context_t0 = (w.first + from as u64) as f64 / rate_f;
        // Candidates: the phrase's register, in its key's scale (a phrase stays in its key).
        let pcs: Vec<i32> = match key_of(notes).and_then(|(k, _)| scale_of(&k, notes)) {
            Some(scale) => scale
                .notes()
                .iter()
                .map(|p: &PitchClass| p.semitone().rem_euclid(12))
                .collect(),
            None => notes.iter().map(|n| n.midi.rem_euclid(12)).collect(),
        };
        let candidates: Vec<i32> = (lo - 5..=hi + 5)
            .filter(|m| pcs.contains(&m.rem_euclid(12)))
            .collect();
        let held = crate::under_speech::held_notes(&context, ANALYSIS_RATE, a4, &candidates);
        for h in held {
            let (onset, offset) = (h.onset_s + context_t0, h.offset_s + context_t0);
            let Some(prev) = notes.last_mut() else {
                break;
            };
            if onset < silence_end - 0.05 {
                // The last note ringing on across the boundary.
                if h.midi == prev.midi && offset > prev.offset_s {
                    prev.offset_s = r3(offset);
                }
                continue;
            }
            if onset - prev.offset_s > MAX_PAUSE_S {
                break;
            }
            if !in_time(onset) {
                continue;
            }
            // A phrase is one line: two pitches heard from about the same moment are one note
            // and its partials read as another. The lower is kept where the upper's partials are
            // its harmonics (a fifth, an octave, a twelfth or two octaves up), else the louder.
            if onset < prev.onset_s + SAME_NOTE_S && prev.onset_s >= silence_end - 0.05 {
                let (low, high) = (prev.midi.min(h.midi), prev.midi.max(h.midi));
                let lends = [7, 12, 19, 24].contains(&(high - low));
                let take = if lends {
                    h.midi == low
                } else {
                    h.velocity > prev.velocity
                };
                if take {
                    *prev = Note {
                        onset_s: r3(onset),
                        offset_s: r3(offset),
                        ..h
                    };
                }
                continue;
            }
            if onset < prev.onset_s + MIN_NOTE_S || h.midi == prev.midi && onset < prev.offset_s {
                continue;
            }
            prev.offset_s = r3(prev.offset_s.min(onset));
            notes.push(Note {
                onset_s: r3(onset),
                offset_s: r3(offset),
                ..h
            });
        }
        // How far the phrase's notes, as kept, reach past the silence.
        let reach = notes.iter().map(|n| n.offset_s).fold(silence_end, f64::max);
        Ok((reach - silence_end).max(0.0))
    }
}

/// Analyses a lesson's recording streamed from `source`, with the transcript's word and
/// utterance spans.
pub fn analyze_lesson(
    source: Box<dyn symphonia::core::io::MediaSource>,
    extension: Option<&str>,
    words: &[(f64, f64)],
    utterances: &[(f64, f64)],
    options: LessonOptions,
) -> Result<LessonAudio, AudioError> {
    let mut scanner: Option<LessonScanner> = None;
    let info = decode_stream(
        source,
        extension,
        DecodeOptions {
            max_seconds: options.max_seconds,
            allow_partial: false,
        },
        &mut |chunk, rate| {
            let s = match &mut scanner {
                Some(s) if s.rate == rate => s,
                Some(_) => {
                    return Err(AudioError::Unsupported(
                        "the sample rate changes inside the file".into(),
                    ));
                }
                None => scanner.insert(LessonScanner::new(rate, words, utterances, options)),
            };
            s.push(chunk)
        },
    )?;
    let scanner = scanner.ok_or(AudioError::Empty)?;
    debug_assert_eq!(scanner.seen, info.samples);
    scanner.finish()
}

/// Analyses the stretch `start_s`–`end_s` of a recording streamed from `source` (only that
/// stretch is kept); the analysis's times start at `start_s`.
pub fn analyze_span(
    source: Box<dyn symphonia::core::io::MediaSource>,
    extension: Option<&str>,
    start_s: f64,
    end_s: f64,
    max_seconds: f64,
) -> Result<crate::Analysis, AudioError> {
    let mut kept: Vec<f32> = Vec::new();
    let mut seen: u64 = 0;
    let mut source_rate = 0;
    decode_stream(
        source,
        extension,
        DecodeOptions {
            max_seconds,
            allow_partial: false,
        },
        &mut |chunk, rate| {
            source_rate = rate;
            let r = f64::from(rate);
            let (a, b) = ((start_s.max(0.0) * r) as u64, (end_s * r).ceil() as u64);
            let (from, to) = (a.max(seen), b.min(seen + chunk.len() as u64));
            if from < to {
                kept.extend_from_slice(&chunk[(from - seen) as usize..(to - seen) as usize]);
            }
            seen += chunk.len() as u64;
            Ok(())
        },
    )?;
    if kept.is_empty() {
        return Err(AudioError::Unsupported(format!(
            "nothing to analyse between {start_s:.2} s and {end_s:.2} s (the recording is {:.2} s long)",
            seen as f64 / f64::from(source_rate.max(1))
        )));
    }
    let samples = resample(&kept, source_rate, ANALYSIS_RATE)?;
    Ok(analyze_samples(&samples, source_rate))
}

/// [`analyze_lesson`] on samples already in memory (mono, at `rate`).
pub fn analyze_lesson_samples(
    samples: &[f32],
    rate: u32,
    words: &[(f64, f64)],
    utterances: &[(f64, f64)],
    options: LessonOptions,
) -> Result<LessonAudio, AudioError> {
    let mut s = LessonScanner::new(rate, words, utterances, options);
    for chunk in samples.chunks(4096) {
        s.push(chunk)?;
    }
    s.finish()
}

/// The key the notes fit best: durations weighted, the first and last note counted again (a
/// phrase starts and ends on its tonic more often than anywhere else).
fn key_of(notes: &[Note]) -> Option<(Key, f64)> {
    let mut w = [0.0f64; 12];
    for n in notes {
        w[n.midi.rem_euclid(12) as usize] += (n.offset_s - n.onset_s).max(0.05);
    }
    let mean = w.iter().sum::<f64>() / notes.len().max(1) as f64;
    for n in [notes.first(), notes.last()].into_iter().flatten() {
        w[n.midi.rem_euclid(12) as usize] += mean;
    }
    Key::estimate(&w)
}

/// The key a chord progression is in: each chord's tones weighted by how long it sounds (the
/// root counted again), the first and last chord counted again.
fn key_of_chords(chords: &[ChordSpan]) -> Option<(Key, f64)> {
    let parsed: Vec<(fretwise_theory::Chord, f64)> = chords
        .iter()
        .filter(|c| c.mirex != "N")
        .filter_map(|c| {
            Some((
                fretwise_theory::Chord::parse(&c.label).ok()?,
                c.end_s - c.start_s,
            ))
        })
        .collect();
    let mut w = [0.0f64; 12];
    let mut add = |c: &fretwise_theory::Chord, d: f64| {
        let tones = c.notes();
        for (i, t) in tones.iter().enumerate() {
            w[t.semitone().rem_euclid(12) as usize] += if i == 0 { 2.0 * d } else { d };
        }
    };
    for (c, d) in &parsed {
        add(c, *d);
    }
    let mean = parsed.iter().map(|(_, d)| d).sum::<f64>() / parsed.len().max(1) as f64;
    for (c, _) in [parsed.first(), parsed.last()].into_iter().flatten() {
        add(c, mean);
    }
    Key::estimate(&w)
}

/// Where a stretch holds strummed chords: frames above the playing threshold whose chroma
/// has three or more strong pitch classes (a single note has one, with its harmonics' fifth
/// weaker; noise has most) and holds from one frame to the next, as a ringing chord does.
/// Returns (first, last, total) seconds of such frames in the stretch, when they add up to
/// a second or more.
fn strummed_span(samples: &[f32], threshold: f64) -> Option<(f64, f64, f64)> {
    let frames = crate::chords::chroma_frames(samples, ANALYSIS_RATE);
    let hop_s = crate::chords::chroma_hop_s(ANALYSIS_RATE);
    let hop = (hop_s * f64::from(ANALYSIS_RATE)) as usize;
    let mut first = None;
    let mut last = 0.0;
    let mut held = 0.0;
    let rms_at = |f: usize| {
        samples
            .get(f * hop..((f + 1) * hop).min(samples.len()))
            .filter(|s| !s.is_empty())
            .map(|s| (s.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / s.len() as f64).sqrt())
            .unwrap_or(0.0)
    };
    let mut last_frame = 0;
    for (f, (chroma, _)) in frames.iter().enumerate() {
        let rms = rms_at(f);
        let max = chroma.iter().copied().fold(0.0, f64::max);
        let strong = chroma.iter().filter(|c| **c >= 0.5 * max).count();
        let steady = f > 0 && {
            let prev = &frames[f - 1].0;
            chroma.iter().zip(prev).map(|(a, b)| a * b).sum::<f64>() >= 0.9
        };
        if rms > threshold && max > 0.0 && (3..=6).contains(&strong) && steady {
            let t = f as f64 * hop_s;
            first.get_or_insert(t);
            last = t + hop_s;
            last_frame = f;
            held += hop_s;
        }
    }
    // The last chord rings on after its chroma stops being clean: it ends where the sound
    // falls under the playing threshold.
    let mut f = last_frame + 1;
    while first.is_some() && f < frames.len() && rms_at(f) > threshold {
        last = (f + 1) as f64 * hop_s;
        f += 1;
    }
    first.filter(|_| held >= 1.0).map(|f| (f, last, held))
}

/// The smallest common scale on the key's tonic that holds every note played.
fn scale_of(key: &Key, notes: &[Note]) -> Option<Scale> {
    let played: u16 = notes.iter().fold(0, |m, n| m | 1 << n.midi.rem_euclid(12));
    let names: &[&str] = match key.mode {
        KeyMode::Major => &["major pentatonic", "major blues", "major"],
        _ => &[
            "minor pentatonic",
            "blues",
            "minor",
            "harmonic minor",
            "dorian",
        ],
    };
    names.iter().find_map(|name| {
        let scale = Scale::new(key.tonic, name).ok()?;
        let mask = scale.notes().iter().fold(0u16, |m, pc: &PitchClass| {
            m | 1 << pc.semitone().rem_euclid(12)
        });
        (played & !mask == 0).then_some(scale)
    })
}

/// Length of [`embedding`]'s vectors.
pub const EMBEDDING_DIM: usize = 32;

/// A fixed-length description of a stretch of playing: the duration-weighted pitch-class
/// profile (12, rotated so the strongest class comes first, so a lick and its transposition
/// lie close), the MFCC means (13, scaled), register (median and range of the notes), note
/// rate, tempo, voiced share, brightness and noisiness; L2-normalised, so the dot product is
/// the cosine similarity.
pub fn embedding(notes: &[Note], features: &Features, tempo_bpm: f64) -> Vec<f32> {
    let mut v = Vec::with_capacity(EMBEDDING_DIM);
    let mut chroma = [0.0f64; 12];
    for n in notes {
        chroma[n.midi.rem_euclid(12) as usize] += (n.offset_s - n.onset_s).max(0.0);
    }
    let top = (0..12)
        .max_by(|a, b| chroma[*a].total_cmp(&chroma[*b]))
        .unwrap_or(0);
    let total = chroma.iter().sum::<f64>().max(1e-9);
    v.extend((0..12).map(|k| chroma[(top + k) % 12] / total));
    v.extend((0..13).map(|k| features.spectral.mfcc_mean.get(k).copied().unwrap_or(0.0) / 100.0));
    let mut midis: Vec<f64> = notes.iter().map(|n| f64::from(n.midi)).collect();
    midis.sort_by(f64::total_cmp);
    let median = midis.get(midis.len() / 2).copied().unwrap_or(0.0);
    let range = midis.last().copied().unwrap_or(0.0) - midis.first().copied().unwrap_or(0.0);
    let rate = notes.len() as f64 / features.duration_s.max(0.1);
    v.extend([
        median / 127.0,
        range / 24.0,
        rate / 10.0,
        tempo_bpm / 200.0,
        features.voiced_ratio,
        features.spectral.spectral_centroid_hz / 5000.0,
        features.spectral.spectral_flatness,
    ]);
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
    v.iter().map(|x| (x / norm) as f32).collect()
}

/// Which power frames lie inside a word (widened by `guard` seconds).
fn word_mask(words: &[(f64, f64)], frames: usize, frame_s: f64, guard: f64) -> Vec<bool> {
    let mut mask = vec![false; frames];
    for &(s, e) in words {
        let a = (((s - guard) / frame_s).floor().max(0.0)) as usize;
        let b = (((e + guard) / frame_s).ceil().max(0.0) as usize).min(frames);
        for m in mask.iter_mut().take(b).skip(a) {
            *m = true;
        }
    }
    mask
}

/// Standard deviation of the level (dB above the floor) of each stretch of speech: words
/// closer than 0.7 s form one stretch; stretches under a second are left out.
fn level_spread(words: &[(f64, f64)], power: &[f32], frame_s: f64, floor: f64) -> f64 {
    let mut stretches: Vec<(f64, f64)> = Vec::new();
    for &(s, e) in words {
        match stretches.last_mut() {
            Some(last) if s - last.1 < 0.7 => last.1 = last.1.max(e),
            _ => stretches.push((s, e)),
        }
    }
    let levels: Vec<f64> = stretches
        .iter()
        .filter(|(s, e)| e - s >= 1.0)
        .filter_map(|&(s, e)| {
            let a = (s / frame_s) as usize;
            let b = ((e / frame_s) as usize).min(power.len());
            (a < b).then(|| {
                let p = power[a..b].iter().map(|p| f64::from(*p)).sum::<f64>() / (b - a) as f64;
                10.0 * (p - floor).max(floor * 1e-3).log10()
            })
        })
        .collect();
    if levels.len() < 2 {
        return 0.0;
    }
    let m = mean(&levels);
    (levels.iter().map(|l| (l - m).powi(2)).sum::<f64>() / (levels.len() - 1) as f64).sqrt()
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

fn percentile(v: &[f64], p: f64) -> f64 {
    crate::percentile(v, p)
}

fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
