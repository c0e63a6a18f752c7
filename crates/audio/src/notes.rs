//! Notes from the pitch track and the onsets: voiced runs, split where an onset falls inside or
//! where the pitch settles a semitone or more away (hammer-ons and pull-offs have no new attack).

use fretwise_theory::{hz_of_midi, midi_of_hz as midi_of};
use serde::{Deserialize, Serialize};

use crate::pitch::PitchTrack;

/// A played note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Start in seconds.
    pub onset_s: f64,
    /// A second reading of the start, seconds: where the bins the note brings (its own
    /// partials) begin to rise. None where they do not rise clearly. The scorer takes the
    /// reading nearer the beat, so one misread start does not make a note late or early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset_pitch_s: Option<f64>,
    /// A third reading of a start out of silence, seconds: where the note's body comes in
    /// after a soft pre-attack (a sampled overdriven or distorted note's first 20–40 ms). After
    /// another note that pre-attack is hidden and the start is read at the body, so the scorer
    /// may take this reading too. Weak evidence, not reported.
    #[serde(skip)]
    pub onset_body_s: Option<f64>,
    /// End in seconds.
    pub offset_s: f64,
    /// Nearest MIDI note (to the estimated tuning reference).
    pub midi: i32,
    /// Spelled name with octave, from the theory engine.
    pub name: String,
    /// Deviation from `midi` in cents (median over the note).
    pub cents: f64,
    /// Loudness 0–127 (peak RMS, 60 dB range).
    pub velocity: u8,
    /// Mean voicing confidence, 0–1.
    pub confidence: f64,
    /// Where inside the note its wave starts over at the same pitch (a ringing string picked
    /// again without a rise in level), seconds. Weak evidence, not reported: the scorer uses it
    /// only where the exercise asks for the same pitch again there.
    #[serde(skip)]
    pub restrikes: Vec<f64>,
    /// Other MIDI notes the sound may be, by its harmonics (its pitch read an octave or a
    /// twelfth off). Weak evidence, not reported: the scorer uses one only where the exercise
    /// asks for that note.
    #[serde(skip)]
    pub other_midi: Vec<i32>,
}

/// Where a note's harmonics are read: from this long after its start (past the pick)...
const HARMONICS_FROM_S: f64 = 0.02;
/// ...for at most this long.
const HARMONICS_SPAN_S: f64 = 0.15;
/// Odd harmonics (1st, 3rd, 5th) this far under the even ones (dB) are those of a note an
/// octave up: a string's own odd harmonics are never that weak (the recorded A4 read as A3
/// shows −24 dB, the notes read right +5 to +18 dB).
const MISSING_ODD_HARMONICS_DB: f64 = -15.0;

/// Sub-harmonics (half-way between the harmonics) this far over the spectrum's floor (dB), two
/// of the first three, are those of a note an octave down: a string's spectrum holds nothing
/// there but noise and other notes (notes read right: under 12 dB but for one at 18; notes read
/// an octave up: 19 to 46, on the development takes).
const SUBHARMONICS_DB: f64 = 20.0;

/// Where only every `m`th harmonic stands out of its surroundings, those stand out this much
/// (dB, on average)...
const EVERY_MTH_DB: f64 = 12.0;
/// ...and the others at most this much: the note is `m` times higher, read on a sub-harmonic
/// (recorded nylon under pink noise: 16–21 dB against 4–5; notes read right stand 14–31 dB
/// out at every harmonic, on the development takes).
const OTHERS_DB: f64 = 6.0;

/// The power of a note's harmonics, from one spectrum of the note past its pick.
struct Harmonics {
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    bin_hz: f64,
    hz: f64,
    nyquist: f64,
    /// Length of the stretch the spectrum is of, seconds.
    span_s: f64,
}

impl Harmonics {
    /// The spectrum of the note from `onset_s` to `offset_s`, read at `hz`; None where the note
    /// is shorter than four periods or 40 ms.
    fn new(samples: &[f32], rate: u32, (onset_s, offset_s): (f64, f64), hz: f64) -> Option<Self> {
        let sr = f64::from(rate);
        if hz.is_nan() || hz <= 0.0 {
            return None;
        }
        let from = ((onset_s + HARMONICS_FROM_S) * sr).max(0.0) as usize;
        let to = ((offset_s.min(onset_s + HARMONICS_FROM_S + HARMONICS_SPAN_S) * sr).max(0.0)
            as usize)
            .min(samples.len());
        if to < from + ((4.0 / hz).max(0.04) * sr) as usize {
            return None;
        }
        let len = to - from;
        let n = len.next_power_of_two().max(4096);
        let fft = crate::rfft::forward(n);
        let mut input = fft.make_input_vec();
        let mut spectrum = fft.make_output_vec();
        for (k, (x, s)) in input.iter_mut().zip(&samples[from..to]).enumerate() {
            let hann = 0.5 - 0.5 * (std::f64::consts::TAU * k as f64 / len as f64).cos();
            *x = (f64::from(*s) * hann) as f32;
        }
        fft.process(&mut input, &mut spectrum).ok()?;
        Some(Harmonics {
            spectrum,
            bin_hz: sr / n as f64,
            hz,
            nyquist: sr / 2.0,
            span_s: len as f64 / sr,
        })
    }

    /// Whether the spectrum spans four periods of `hz` (and 40 ms).
    fn spans(&self, hz: f64) -> bool {
        self.span_s >= (4.0 / hz).max(0.04)
    }

    /// Whether `k` times the note's frequency (and 3 % over) lies inside the band.
    fn reaches(&self, k: f64) -> bool {
        k * self.hz * 1.03 < self.nyquist
    }

    /// The strongest bin within 3 % of `k` times the note's frequency (the string's own stretch
    /// and the reading's error).
    fn power(&self, k: f64) -> f64 {
        let (lo, hi) = (
            (k * self.hz * 0.97 / self.bin_hz).floor() as usize,
            (k * self.hz * 1.03 / self.bin_hz).ceil() as usize,
        );
        self.spectrum
            .get(lo..=hi.min(self.spectrum.len() - 1))
            .map_or(0.0, |b| {
                b.iter()
                    .map(|c| f64::from(c.norm_sqr()))
                    .fold(0.0, f64::max)
            })
    }

    /// Mean power of the harmonics `ks`, dB over that of `over`; None where there is none.
    fn db(&self, ks: &[f64], over: &[f64]) -> Option<f64> {
        let mean = |v: &[f64]| v.iter().map(|&k| self.power(k)).sum::<f64>() / v.len() as f64;
        let (a, b) = (mean(ks), mean(over));
        (b > 0.0).then(|| 10.0 * (a.max(1e-30) / b).log10())
    }

    /// How far harmonic `k` stands out of the bins around it (half the note's frequency either
    /// side, their median), dB.
    fn prominence_db(&self, k: f64) -> f64 {
        let lo = (((k - 0.5) * self.hz / self.bin_hz) as usize).max(1);
        let hi = (((k + 0.5) * self.hz / self.bin_hz) as usize).min(self.spectrum.len() - 1);
        let mut around: Vec<f64> = self
            .spectrum
            .get(lo..=hi)
            .unwrap_or_default()
            .iter()
            .map(|c| f64::from(c.norm_sqr()))
            .collect();
        let floor = upper_median(&mut around);
        10.0 * (self.power(k).max(1e-30) / floor.max(1e-30)).log10()
    }

    /// The median power of the bins from 0.3 to 4 times the note's frequency: the floor its
    /// partials stand out of.
    fn floor(&self) -> f64 {
        let lo = (0.3 * self.hz / self.bin_hz) as usize;
        let hi = ((4.0 * self.hz / self.bin_hz) as usize).min(self.spectrum.len());
        let mut p: Vec<f64> = self
            .spectrum
            .get(lo..hi)
            .unwrap_or_default()
            .iter()
            .map(|c| f64::from(c.norm_sqr()))
            .collect();
        upper_median(&mut p)
    }
}

/// The upper median of `v` (reordered in place, not sorted); 0 when empty.
fn upper_median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    *v.select_nth_unstable_by(mid, f64::total_cmp).1
}

/// The other pitches (semitones from the reading) that the note from `onset_s` to `offset_s`,
/// read at `hz`, may truly be, by its harmonics: +12, +19, +24 or +28 where only every 2nd, 3rd,
/// 4th or 5th harmonic sounds (the note that many times higher, its pitch read on a
/// sub-harmonic), −12 where the sub-harmonics half-way between the harmonics stand out (the note
/// an octave down, read on its second harmonic). Weak evidence: the scorer takes
/// one only where the exercise asks for exactly that note.
pub(crate) fn pitch_alternatives(
    samples: &[f32],
    rate: u32,
    onset_s: f64,
    offset_s: f64,
    hz: f64,
) -> Vec<i32> {
    let mut out = Vec::new();
    let Some(h) = Harmonics::new(samples, rate, (onset_s, offset_s), hz) else {
        return out;
    };
    let prominence: Vec<f64> = (1..=12)
        .map(f64::from)
        .take_while(|&k| h.reaches(k))
        .map(|k| h.prominence_db(k))
        .collect();
    for (m, shift) in [(2usize, 12), (3, 19), (4, 24), (5, 28)] {
        let top = (2 * m).max(6);
        if !h.reaches(top as f64) {
            continue;
        }
        let (every, others): (Vec<f64>, Vec<f64>) = (1..=top)
            .map(|k| k as f64)
            .partition(|k| (*k as usize).is_multiple_of(m));
        if h.db(&others, &every)
            .is_some_and(|db| db < MISSING_ODD_HARMONICS_DB)
            || only_every(&prominence, m)
        {
            out.push(shift);
        }
    }
    if h.spans(hz / 2.0) && h.reaches(3.0) {
        let floor = h.floor() * 10f64.powf(SUBHARMONICS_DB / 10.0);
        if [0.5, 1.5, 2.5]
            .iter()
            .filter(|&&k| h.power(k) >= floor)
            .count()
            >= 2
        {
            out.push(-12);
        }
    }
    out
}

/// Whether, of the first twelve harmonics in the band (`prominence`: each one's in dB, from the
/// first), only every `m`th stands out of the bins around it (by [`EVERY_MTH_DB`] on average,
/// the others by at most [`OTHERS_DB`]): under noise the power alone cannot tell, as the noise
/// fills the low harmonics' bins.
fn only_every(prominence: &[f64], m: usize) -> bool {
    let (mut every, mut others) = (Vec::new(), Vec::new());
    for (i, &p) in prominence.iter().enumerate() {
        if (i + 1).is_multiple_of(m) {
            every.push(p);
        } else {
            others.push(p);
        }
    }
    if every.len() < 2 || others.len() < 2 {
        return false;
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    mean(&every) >= EVERY_MTH_DB && mean(&others) <= OTHERS_DB
}

/// Shortest note kept.
const MIN_NOTE_S: f64 = 0.05;
/// How long after its attack a note that follows silence may first read as voiced.
const REACH_BACK_S: f64 = 0.12;
/// Longest voicing dropout inside one note.
const DROPOUT_S: f64 = 0.1;
/// How long after a bend's span ends a piece without an attack still belongs to it (the release
/// settles back on the fretted pitch a few frames after the contour says it is down).
const JOIN_SLACK_S: f64 = 0.06;
/// Shortest note of a fast run kept apart from the note after it (a sixteenth at 200 bpm is
/// 75 ms).
const SHORTEST_RUN_S: f64 = 0.06;

/// The upper median of `v` (sorted in place); 0 when empty.
pub(crate) fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The tuning reference (A4 in Hz) that best fits the voiced frames.
pub fn tuning_reference(track: &PitchTrack) -> f64 {
    let mut dev: Vec<f64> = track
        .f0_hz
        .iter()
        .filter(|f| **f > 0.0)
        .map(|&f| {
            let m = midi_of(f, 440.0);
            m - m.round()
        })
        .collect();
    if dev.is_empty() {
        return 440.0;
    }
    let d = median(&mut dev);
    hz_of_midi(69.0 + d, 440.0)
}

/// Segments notes.
pub fn segment(track: &PitchTrack, onsets_s: &[f64], a4: f64) -> Vec<Note> {
    let n = track.f0_hz.len();
    let hop = track.hop_s;
    let onset_frames: Vec<usize> = onsets_s
        .iter()
        .map(|t| (t / hop).round() as usize)
        .collect();
    let peak_rms = track.rms.iter().copied().fold(0.0f64, f64::max).max(1e-12);
    let mut notes = Vec::new();
    let mut start: Option<usize> = None;
    let close = |s: usize, e: usize, notes: &mut Vec<Note>| {
        if (e - s) as f64 * hop < MIN_NOTE_S {
            return;
        }
        let mut m: Vec<f64> = (s..e)
            .filter(|&i| track.f0_hz[i] > 0.0)
            .map(|i| midi_of(track.f0_hz[i], a4))
            .collect();
        if m.is_empty() {
            return;
        }
        let med = median(&mut m);
        let midi = med.round() as i32;
        let rms = (s..e).map(|i| track.rms[i]).fold(0.0f64, f64::max);
        let db = 20.0 * (rms / peak_rms).log10();
        notes.push(Note {
            onset_s: s as f64 * hop,
            onset_pitch_s: None,
            onset_body_s: None,
            offset_s: e as f64 * hop,
            midi,
            name: fretwise_theory::Note::from_midi(midi, true).to_string(),
            // `+ 0.0` turns a rounded -0.0 into 0.0.
            cents: ((med - midi as f64) * 1000.0).round() / 10.0 + 0.0,
            velocity: (((db + 60.0) / 60.0).clamp(0.0, 1.0) * 127.0).round() as u8,
            confidence: (s..e).map(|i| track.confidence[i]).sum::<f64>() / (e - s) as f64,
            restrikes: Vec::new(),
            other_midi: Vec::new(),
        });
    };
    // Frames needed at a new pitch before it counts as a new note (~46 ms).
    let settle = ((0.046 / hop).round() as usize).max(2);
    let mut i = 0;
    while i < n {
        let voiced = track.f0_hz[i] > 0.0;
        match (start, voiced) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                close(s, i, &mut notes);
                start = None;
            }
            (Some(s), true) => {
                // A new attack inside the run.
                let attack = onset_frames.iter().any(|&o| o == i && i > s + 2);
                // Or the pitch moved a semitone or more and stays there.
                let here = midi_of(track.f0_hz[i], a4);
                let run_pitch = {
                    let mut m: Vec<f64> = (s..i)
                        .filter(|&k| track.f0_hz[k] > 0.0)
                        .map(|k| midi_of(track.f0_hz[k], a4))
                        .collect();
                    median(&mut m)
                };
                let moved = (here - run_pitch).abs() >= 0.75
                    && (i..(i + settle).min(n)).all(|k| {
                        track.f0_hz[k] > 0.0 && (midi_of(track.f0_hz[k], a4) - here).abs() < 0.5
                    });
                if attack || (moved && i >= s + settle) {
                    close(s, i, &mut notes);
                    start = Some(i);
                }
            }
            (None, false) => {}
        }
        i += 1;
    }
    if let Some(s) = start {
        close(s, n, &mut notes);
    }
    // The first tens of ms of an attack can read at another pitch (a subharmonic while the
    // previous note dies away, a pick's thump): a piece shorter than 90 ms that runs straight
    // into a note without an attack of its own is that note's head, not a note.
    // A piece that starts at its own attack and holds a scale step or two from the next note
    // (not the note before it, still ringing) for at least 60 ms is a short note, as
    // sixteenths at 170–200 bpm are (75–90 ms); an attack's misread head is shorter.
    let attack_near = |t: f64| onsets_s.iter().any(|o| (o - t).abs() <= 0.03);
    let mut k = 0;
    while k + 1 < notes.len() {
        let (a, b) = (&notes[k], &notes[k + 1]);
        let step = (a.midi - b.midi).abs();
        let short_note = attack_near(a.onset_s)
            && a.offset_s - a.onset_s >= SHORTEST_RUN_S
            && (1..=5).contains(&step)
            && (k == 0 || notes[k - 1].midi != a.midi);
        if a.offset_s - a.onset_s < 0.09
            && (b.onset_s - a.offset_s).abs() < 1e-9
            && !attack_near(b.onset_s)
            && !short_note
        {
            let onset = a.onset_s;
            notes.remove(k);
            notes[k].onset_s = onset;
        } else {
            k += 1;
        }
    }
    // The tracker can lose a quiet note for a few frames (in noise, near its end): a note at
    // the same pitch soon after, with no attack that could start it, is the same note.
    let mut k = 0;
    while k + 1 < notes.len() {
        let (a, b) = (&notes[k], &notes[k + 1]);
        let gap = b.onset_s - a.offset_s;
        if a.midi == b.midi
            && gap > 1e-9
            && gap <= DROPOUT_S
            && !onsets_s
                .iter()
                .any(|o| *o - b.onset_s <= 0.04 && b.onset_s - *o <= REACH_BACK_S)
        {
            notes[k].offset_s = notes[k + 1].offset_s;
            notes.remove(k + 1);
        } else {
            k += 1;
        }
    }
    // Snap note starts to a detected onset within 40 ms (onsets are sharper than voicing); a note
    // after silence may also reach back 120 ms: a low or distorted note can take that long to
    // read as voiced after its attack. A legato note (straight after the previous one) may not,
    // or it would take the previous note's attack.
    let mut prev_offset = f64::NEG_INFINITY;
    let mut prev_onset = f64::NEG_INFINITY;
    for note in &mut notes {
        let after_silence = note.onset_s - prev_offset > 1e-9;
        // Straight after the previous note, or after a gap of up to three frames (the tracker
        // can lose a legato change for a moment).
        let after_silence_or_gap = note.onset_s - prev_offset > 3.5 * hop;
        let prev_last_frame = prev_offset - hop;
        prev_offset = note.offset_s;
        let back = if after_silence { REACH_BACK_S } else { 0.04 };
        let claimed = prev_onset;
        if let Some(o) = onsets_s
            .iter()
            .filter(|o| **o - note.onset_s <= 0.04 && note.onset_s - **o <= back)
            // The note before started at its own attack: a note after a short dropout must not
            // reach back and take it.
            .filter(|o| **o > claimed + 0.02)
            .min_by(|a, b| {
                (**a - note.onset_s)
                    .abs()
                    .total_cmp(&(**b - note.onset_s).abs())
            })
        {
            note.onset_s = *o;
        } else if !after_silence_or_gap {
            // No attack: the note began by a pitch change, which the tracker's frames report
            // once the new pitch dominates them; the change itself is nearer the last frame
            // that still read the old pitch.
            note.onset_s = (prev_last_frame).max(0.0);
        }
        note.onset_s = (note.onset_s * 1000.0).round() / 1000.0;
        prev_onset = note.onset_s;
        note.offset_s = (note.offset_s * 1000.0).round() / 1000.0;
        note.confidence = (note.confidence * 1000.0).round() / 1000.0;
    }
    // A note moved earlier ends its predecessor.
    for k in 1..notes.len() {
        let next_onset = notes[k].onset_s;
        let prev = &mut notes[k - 1];
        prev.offset_s = prev.offset_s.min(next_onset);
    }
    notes
}

/// Joins into one note the pieces the segmenter cut inside each span (a bend: the pitch rose and
/// came back without a new attack), keeping the first piece's pitch; a piece that starts at an
/// attack of its own (within 40 ms) is a new note and ends the join.
pub fn join_spans(notes: &mut Vec<Note>, spans: &[(f64, f64)], onsets_s: &[f64]) {
    let own_attack = |t: f64| onsets_s.iter().any(|o| (o - t).abs() <= 0.04);
    for &(start, end) in spans {
        // The note bent: the last one starting at or before the span.
        let Some(k) = notes.iter().rposition(|n| n.onset_s <= start + 1e-9) else {
            continue;
        };
        while k + 1 < notes.len()
            && notes[k + 1].onset_s <= end + JOIN_SLACK_S
            && !own_attack(notes[k + 1].onset_s)
        {
            let piece = notes.remove(k + 1);
            let note = &mut notes[k];
            note.offset_s = note.offset_s.max(piece.offset_s);
            note.velocity = note.velocity.max(piece.velocity);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Half a second at 22.05 kHz of harmonics `k` of `hz` at amplitudes `a`, over white noise
    /// 60 dB under the first (a floor for the partials to stand out of).
    fn harmonics(hz: f64, parts: &[(f64, f64)]) -> Vec<f32> {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        (0..11_025)
            .map(|i| {
                let t = i as f64 / 22_050.0;
                let v: f64 = parts
                    .iter()
                    .map(|(k, a)| a * (std::f64::consts::TAU * k * hz * t).sin())
                    .sum();
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let noise = (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                (0.1 * v + 1e-4 * noise) as f32
            })
            .collect()
    }

    #[test]
    fn a_note_read_on_a_sub_or_upper_harmonic_has_the_note_it_is_as_an_alternative() {
        let alternatives = |x: &[f32], hz: f64| pitch_alternatives(x, 22_050, 0.0, 0.5, hz);
        // A4 read right: nothing else.
        let a4 = harmonics(440.0, &[(1.0, 1.0), (2.0, 0.5), (3.0, 0.3), (4.0, 0.2)]);
        assert_eq!(alternatives(&a4, 440.0), Vec::<i32>::new());
        // E5 read on its third sub-harmonic (A3): only every third harmonic of A3 sounds.
        let e5 = harmonics(659.26, &[(1.0, 1.0), (2.0, 0.5), (3.0, 0.3)]);
        assert!(alternatives(&e5, 219.75).contains(&19));
        assert_eq!(alternatives(&e5, 659.26), Vec::<i32>::new());
        // D5 with a weak fundamental (a twentieth of its second harmonic, as the sampled
        // distorted D5 shows), read on its second harmonic D6: its odd harmonics stand out
        // half-way between D6's.
        let d5 = harmonics(
            587.33,
            &[
                (1.0, 0.05),
                (2.0, 1.0),
                (3.0, 0.1),
                (4.0, 0.3),
                (5.0, 0.5),
                (6.0, 0.4),
            ],
        );
        assert_eq!(alternatives(&d5, 1174.66), vec![-12]);
        assert_eq!(alternatives(&d5, 587.33), Vec::<i32>::new());
        // F#4 under loud low rumble (noise below 200 Hz), read on its fourth sub-harmonic: the noise
        // fills the low harmonics' bins (their power says nothing) but stands out nowhere.
        let mut level = 0.0f64;
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let fs4: Vec<f32> = harmonics(369.99, &[(1.0, 1.0), (2.0, 0.5), (3.0, 0.3)])
            .iter()
            .map(|x| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                level = 0.95 * level + ((seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5);
                x + (0.1 * level) as f32
            })
            .collect();
        assert!(
            alternatives(&fs4, 92.5).contains(&24),
            "{:?}",
            alternatives(&fs4, 92.5)
        );
        assert_eq!(alternatives(&fs4, 369.99), Vec::<i32>::new());
    }

    #[test]
    fn a_note_read_an_octave_low_lacks_its_odd_harmonics_and_a_low_string_does_not() {
        let lacks_odd_harmonics = |x: &[f32], rate: u32, from: f64, to: f64, hz: f64| {
            pitch_alternatives(x, rate, from, to, hz).contains(&12)
        };
        // A4 with four harmonics, read as A3: A3's odd harmonics are missing.
        let a4 = harmonics(440.0, &[(1.0, 1.0), (2.0, 0.5), (3.0, 0.3), (4.0, 0.2)]);
        assert!(lacks_odd_harmonics(&a4, 22_050, 0.0, 0.5, 220.0));
        assert!(!lacks_odd_harmonics(&a4, 22_050, 0.0, 0.5, 440.0));
        // Low E2 with a weak fundamental (a tenth of its second harmonic): its third and fifth
        // harmonics are there.
        let e2 = harmonics(
            82.41,
            &[
                (1.0, 0.1),
                (2.0, 1.0),
                (3.0, 0.7),
                (4.0, 0.5),
                (5.0, 0.3),
                (6.0, 0.2),
            ],
        );
        assert!(!lacks_odd_harmonics(&e2, 22_050, 0.0, 0.5, 82.41));
        // Too short to tell.
        assert!(!lacks_odd_harmonics(&a4, 22_050, 0.0, 0.05, 220.0));
    }

    /// A track at 10 ms per frame from (frames, Hz) runs, 0 Hz = unvoiced.
    fn track(runs: &[(usize, f64)]) -> PitchTrack {
        let f0: Vec<f64> = runs
            .iter()
            .flat_map(|&(n, f)| std::iter::repeat_n(f, n))
            .collect();
        PitchTrack {
            hop_s: 0.01,
            confidence: f0
                .iter()
                .map(|f| if *f > 0.0 { 0.9 } else { 0.0 })
                .collect(),
            rms: f0
                .iter()
                .map(|f| if *f > 0.0 { 0.1 } else { 1e-4 })
                .collect(),
            f0_hz: f0,
        }
    }

    #[test]
    fn a_voicing_dropout_without_an_attack_is_one_note() {
        // E4 for 300 ms, lost for 50 ms, E4 again for 100 ms; one attack, at the start.
        let t = track(&[(10, 0.0), (30, 329.63), (5, 0.0), (10, 329.63), (10, 0.0)]);
        let notes = segment(&t, &[0.1], 440.0);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert_eq!(notes[0].name, "E4");
        assert!((notes[0].onset_s - 0.1).abs() < 1e-9 && (notes[0].offset_s - 0.55).abs() < 1e-9);
    }

    #[test]
    fn a_fast_note_after_a_short_dropout_does_not_take_the_last_notes_attack() {
        // Sixteenths: F4 picked at 0.1 s for 70 ms, two frames lost, E4 for 60 ms with no
        // attack heard. E4 may reach back for an attack of its own, not for F4's: it starts by
        // its pitch change, at F4's last frame.
        let t = track(&[(10, 0.0), (7, 349.23), (2, 0.0), (6, 329.63), (10, 0.0)]);
        let notes = segment(&t, &[0.1], 440.0);
        let names: Vec<(&str, f64, f64)> = notes
            .iter()
            .map(|n| (n.name.as_str(), n.onset_s, n.offset_s))
            .collect();
        assert_eq!(names, vec![("F4", 0.1, 0.16), ("E4", 0.16, 0.25)]);
    }

    #[test]
    fn a_repicked_note_after_a_gap_stays_two_notes() {
        // The same, but the second E4 has its own attack: the note was played again.
        let t = track(&[(10, 0.0), (30, 329.63), (5, 0.0), (10, 329.63), (10, 0.0)]);
        let notes = segment(&t, &[0.1, 0.45], 440.0);
        assert_eq!(notes.len(), 2, "{notes:?}");
        // A different pitch after the dropout is a new note even without an attack.
        let t = track(&[(10, 0.0), (30, 329.63), (5, 0.0), (10, 392.0), (10, 0.0)]);
        let notes = segment(&t, &[0.1], 440.0);
        assert_eq!(notes.len(), 2, "{notes:?}");
    }

    #[test]
    fn a_bend_and_its_release_are_one_note_and_a_new_pick_is_not() {
        // G3 picked at 0.1 s, bent a whole step (A3 from 0.35 s), released (G3 from 0.6 s), then
        // picked again at 0.9 s: the bend's span is 0.25–0.6 s.
        let t = track(&[
            (10, 0.0),
            (25, 196.0),
            (25, 220.0),
            (30, 196.0),
            (20, 196.0),
        ]);
        let onsets = [0.1, 0.9];
        let mut notes = segment(&t, &onsets, 440.0);
        assert_eq!(notes.len(), 4, "{notes:?}");
        join_spans(&mut notes, &[(0.25, 0.6)], &onsets);
        let names: Vec<&str> = notes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["G3", "G3"], "{notes:?}");
        assert!((notes[0].onset_s - 0.1).abs() < 1e-9 && (notes[0].offset_s - 0.9).abs() < 1e-9);
    }
}
