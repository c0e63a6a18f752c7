//! Live analysis of audio that arrives in chunks (a microphone, a pipe): a tuner reading every
//! 5 ms and, for practice, notes as they start and stop. It runs the offline tracker's YIN
//! candidates on a shorter window (the newest 20 ms, time-reversed) at the input's own rate (no resampler delay) and
//! decides each frame at once — no Viterbi look-ahead — keeping to the previous pitch when it is
//! among the candidates, which is what suppresses octave jumps on the low strings. A pitch held
//! over a few frames is voiced even where its dips are shallow (distorted attacks).

use fretwise_theory::midi_of_hz as midi_of;
use serde::Serialize;

use crate::AudioError;
use crate::pitch::{Candidate, F_MAX, F_MIN, HELD_CENTS, HELD_DIP, Scratch, Yin, held_can_be};

/// Seconds summed by the difference function (1.6 periods of the low E string).
const WINDOW_S: f64 = 0.02;
/// Seconds between readings.
const HOP_S: f64 = 0.005;
/// Frames that must agree before a new note is announced.
const CONFIRM_FRAMES: usize = 2;
/// Unvoiced frames that end a note.
const RELEASE_FRAMES: usize = 4;
/// Candidate probability mass that makes a frame voiced.
const VOICED_MASS: f64 = 0.1;
/// Seconds from the start of voicing in which a reading may be lifted to the octave or twelfth
/// above (attacks carry subharmonic components that die away within tens of milliseconds).
const ATTACK_S: f64 = 0.03;
/// Dip of the difference function at a half or third of the read period that, in an attack,
/// makes that shorter period the pitch (classic YIN's absolute threshold).
const ATTACK_DIP: f64 = 0.2;
/// Quietest frame that is analysed (RMS, dBFS).
const GATE_DBFS: f64 = -55.0;
/// Frames in a row whose strongest candidate holds one pitch that voice a frame whose dips are
/// too shallow for the probability mass (a distorted attack: noise-like for up to ~100 ms, yet
/// its deepest dip sits on the note from ~20 ms on; in noise the deepest dip wanders). How far
/// it may move and how deep its dip must be are the offline tracker's (`pitch::HELD_CENTS`,
/// `pitch::HELD_DIP`).
const HELD_FRAMES: usize = 4;

/// One tuner reading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// Stream time when the reading is available (end of the audio it used), seconds.
    pub time_s: f64,
    /// Fundamental in Hz, 0 when unvoiced.
    pub f0_hz: f64,
    /// Voicing confidence 0–1.
    pub confidence: f64,
    /// Nearest note, when voiced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Its MIDI number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub midi: Option<i32>,
    /// Cents sharp (+) or flat (−) of that note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cents: Option<f64>,
}

/// What the stream reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// A tuner reading.
    Pitch(Reading),
    /// A note began (practice mode).
    NoteOn {
        /// When it was announced, seconds.
        time_s: f64,
        /// Estimated start in the stream, seconds.
        onset_s: f64,
        /// MIDI number.
        midi: i32,
        /// Name with octave.
        name: String,
        /// Cents from the tempered note at announcement.
        cents: f64,
    },
    /// The sounding note ended.
    NoteOff {
        /// When it was announced, seconds.
        time_s: f64,
        /// MIDI number.
        midi: i32,
        /// Name with octave.
        name: String,
    },
}

/// Chunk-by-chunk analyser for one mono stream.
pub struct Streamer {
    rate: f64,
    a4: f64,
    yin: Yin,
    scratch: Scratch,
    hop: usize,
    frame_len: usize,
    /// The most recent `frame_len` samples (and what has arrived since the last frame).
    buf: Vec<f64>,
    received: u64,
    since_frame: usize,
    prev_f0: Option<f64>,
    sounding: Option<(i32, f64)>,
    pending: Option<(i32, usize, f64)>,
    unvoiced_run: usize,
    recent_rms: Vec<f64>,
    frame_buf: Vec<f64>,
    /// Voiced frames in a row so far.
    voiced_run: usize,
    rms_len: usize,
    since_note_on: usize,
    /// The last loud frame's strongest candidate (Hz) and how many frames in a row held it.
    held: Option<(f64, usize)>,
}

impl Streamer {
    /// A streamer for mono samples at `sample_rate` Hz, tuned to A4 = 440 Hz.
    pub fn new(sample_rate: u32) -> Result<Self, AudioError> {
        if !(8_000..=384_000).contains(&sample_rate) {
            return Err(AudioError::Unsupported(format!(
                "stream sample rate {sample_rate} Hz (8,000–384,000 Hz are accepted)"
            )));
        }
        let rate = f64::from(sample_rate);
        let yin = Yin::with_window(rate, (WINDOW_S * rate).round() as usize);
        let frame_len = yin.frame_len();
        let scratch = yin.scratch();
        Ok(Self {
            rate,
            a4: 440.0,
            yin,
            scratch,
            hop: ((HOP_S * rate).round() as usize).max(1),
            frame_len,
            buf: Vec::with_capacity(frame_len * 2),
            received: 0,
            since_frame: 0,
            prev_f0: None,
            sounding: None,
            pending: None,
            unvoiced_run: 0,
            recent_rms: Vec::new(),
            frame_buf: Vec::with_capacity(frame_len),
            voiced_run: 0,
            // 15 ms: more than a period of the low E string, so the level does not ripple.
            rms_len: (0.015 * rate).round() as usize,
            since_note_on: usize::MAX / 2,
            held: None,
        })
    }

    /// Tunes to another A4 (Hz).
    pub fn with_reference(mut self, a4: f64) -> Self {
        if a4.is_finite() && (400.0..=480.0).contains(&a4) {
            self.a4 = a4;
        }
        self
    }

    /// Seconds of audio one reading looks at (the floor of the latency).
    pub fn frame_seconds(&self) -> f64 {
        self.frame_len as f64 / self.rate
    }

    /// Feeds a chunk of any length; returns the readings and note events it completes.
    /// Non-finite samples count as silence.
    pub fn push(&mut self, chunk: &[f32]) -> Vec<StreamEvent> {
        let mut out = Vec::new();
        for &s in chunk {
            self.buf
                .push(if s.is_finite() { f64::from(s) } else { 0.0 });
            self.received += 1;
            self.since_frame += 1;
            if self.buf.len() >= self.frame_len && self.since_frame >= self.hop {
                let start = self.buf.len() - self.frame_len;
                self.frame(start, &mut out);
                self.since_frame = 0;
                // Keep only what the next frame needs.
                let drop = self.buf.len() - self.frame_len;
                self.buf.drain(..drop);
            }
        }
        out
    }

    fn frame(&mut self, start: usize, out: &mut Vec<StreamEvent>) {
        let time_s = self.received as f64 / self.rate;
        // Time-reversed, so the summed window is the newest audio, compared with older audio
        // one period back: a new note is heard once a window and one period of it have arrived.
        self.frame_buf.clear();
        self.frame_buf
            .extend(self.buf[start..start + self.frame_len].iter().rev());
        let x = &self.frame_buf;
        let recent = &x[..self.rms_len.min(x.len())];
        let rms = (recent.iter().map(|v| v * v).sum::<f64>() / recent.len().max(1) as f64).sqrt();
        let loud = 20.0 * rms.max(1e-12).log10() > GATE_DBFS;
        let decided = if loud {
            let candidates = self.yin.candidates(&self.frame_buf, &mut self.scratch);
            let total: f64 = candidates.iter().map(|c| c.prob).sum();
            self.held = match (strongest(&candidates), self.held) {
                (Some(f), Some((g, n))) if (1200.0 * (f / g).log2()).abs() <= HELD_CENTS => {
                    Some((f, n + 1))
                }
                (Some(f), _) => Some((f, 1)),
                (None, _) => None,
            };
            decide(candidates, self.prev_f0).or_else(|| self.held_pitch(total))
        } else {
            self.held = None;
            None
        };
        let decided = decided.map(|(f, total)| {
            let attack = (self.voiced_run as f64) * HOP_S < ATTACK_S;
            (if attack { self.attack_pitch(f) } else { f }, total)
        });
        self.voiced_run = if decided.is_some() {
            self.voiced_run + 1
        } else {
            0
        };
        let reading = match decided {
            Some((freq, total)) => {
                let m = midi_of(freq, self.a4);
                let midi = m.round() as i32;
                Reading {
                    time_s: r3(time_s),
                    f0_hz: (freq * 100.0).round() / 100.0,
                    confidence: (total.min(1.0) * 1000.0).round() / 1000.0,
                    note: Some(fretwise_theory::Note::from_midi(midi, true).to_string()),
                    midi: Some(midi),
                    cents: Some(((m - f64::from(midi)) * 1000.0).round() / 10.0),
                }
            }
            None => Reading {
                time_s: r3(time_s),
                f0_hz: 0.0,
                confidence: 0.0,
                note: None,
                midi: None,
                cents: None,
            },
        };
        self.prev_f0 = decided.map(|d| d.0);
        self.notes(&reading, rms, out);
        out.push(StreamEvent::Pitch(reading));
    }

    /// A pitch the strongest candidate has held for [`HELD_FRAMES`] frames, with a dip of its
    /// own (not the edge of the lag range, where low-frequency noise has its deepest point).
    fn held_pitch(&self, total: f64) -> Option<(f64, f64)> {
        let (f, n) = self.held?;
        (n >= HELD_FRAMES && held_can_be(f) && self.scratch.dip_near(self.rate / f) < HELD_DIP)
            .then_some((f, total))
    }

    /// In an attack, the first deep dip wins as in classic YIN: a reading whose half (or third)
    /// period also repeats is an octave (or twelfth) under the note, read off a subharmonic
    /// component of the attack (TimGM6mb's steel strings carry one ~10 dB down for ~40 ms).
    fn attack_pitch(&self, f: f64) -> f64 {
        let lag = self.rate / f;
        let half = self.scratch.dip_near(lag / 2.0);
        let third = self.scratch.dip_near(lag / 3.0);
        if 2.0 * f <= F_MAX && half < ATTACK_DIP && half <= third {
            2.0 * f
        } else if 3.0 * f <= F_MAX && third < ATTACK_DIP {
            3.0 * f
        } else {
            f
        }
    }

    /// Practice mode: a note starts when a pitch holds for a few frames (or the same pitch is
    /// attacked again, 6 dB up within 20 ms) and ends after a few unvoiced frames.
    fn notes(&mut self, r: &Reading, rms: f64, out: &mut Vec<StreamEvent>) {
        self.recent_rms.push(rms);
        let keep = ((0.05 / HOP_S) as usize).max(2);
        if self.recent_rms.len() > keep {
            self.recent_rms.remove(0);
        }
        let quietest = self
            .recent_rms
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        self.since_note_on = self.since_note_on.saturating_add(1);
        let reattack = rms > quietest * 2.0
            && self.recent_rms.len() >= keep
            && self.since_note_on as f64 * HOP_S >= 0.06;
        let name = |m: i32| fretwise_theory::Note::from_midi(m, true).to_string();
        let Some(midi) = r.midi else {
            self.unvoiced_run += 1;
            self.pending = None;
            if self.unvoiced_run >= RELEASE_FRAMES
                && let Some((m, _)) = self.sounding.take()
            {
                out.push(StreamEvent::NoteOff {
                    time_s: r.time_s,
                    midi: m,
                    name: name(m),
                });
            }
            return;
        };
        self.unvoiced_run = 0;
        let same = self.sounding.is_some_and(|(m, _)| m == midi);
        if same && !reattack {
            self.pending = None;
            return;
        }
        let count = match self.pending {
            Some((m, c, _)) if m == midi => c + 1,
            _ => 1,
        };
        let first = match self.pending {
            Some((m, _, t)) if m == midi => t,
            _ => r.time_s,
        };
        self.pending = Some((midi, count, first));
        if count >= CONFIRM_FRAMES || (same && reattack) {
            if let Some((m, _)) = self.sounding.take() {
                out.push(StreamEvent::NoteOff {
                    time_s: r.time_s,
                    midi: m,
                    name: name(m),
                });
            }
            // The first agreeing frame heard about a window and a period of the note.
            let onset_s = r3((first - WINDOW_S - 0.005).max(0.0));
            self.sounding = Some((midi, onset_s));
            self.pending = None;
            self.since_note_on = 0;
            out.push(StreamEvent::NoteOn {
                time_s: r.time_s,
                onset_s,
                midi,
                name: name(midi),
                cents: r.cents.unwrap_or(0.0),
            });
        }
    }
}

/// The frequency of the candidate with the most probability mass.
fn strongest(candidates: &[Candidate]) -> Option<f64> {
    candidates
        .iter()
        .filter(|c| (F_MIN..=F_MAX).contains(&c.freq))
        .max_by(|a, b| a.prob.total_cmp(&b.prob))
        .map(|c| c.freq)
}

/// The frame's pitch and voiced probability mass, if voiced: the likeliest candidate, or the
/// previous pitch when it is still a strong candidate.
fn decide(candidates: Vec<Candidate>, prev: Option<f64>) -> Option<(f64, f64)> {
    let total: f64 = candidates.iter().map(|c| c.prob).sum();
    let best = candidates
        .iter()
        .filter(|c| (F_MIN..=F_MAX).contains(&c.freq))
        .max_by(|a, b| a.prob.total_cmp(&b.prob))?;
    let chosen = prev
        .and_then(|p| {
            candidates
                .iter()
                .filter(|c| (midi_of(c.freq, p) - 69.0).abs() <= 0.5)
                .find(|c| c.prob >= 0.5 * best.prob)
        })
        .unwrap_or(best);
    // A short window gives shallower dips than the offline tracker's: a lower bar for voicing.
    (total >= VOICED_MASS && chosen.prob >= VOICED_MASS * 0.8).then_some((chosen.freq, total))
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
