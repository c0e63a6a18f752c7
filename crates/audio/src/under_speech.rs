//! Notes of a phrase that runs on under the instructor's words. One pitch track follows the
//! louder sound, mostly the voice, so the guitar is found by its partials instead: a fretted
//! note's harmonics sit at whole multiples of a pitch on the phrase's tuning grid and hold their
//! frequency, where a voice's partials glide and sit anywhere.

use fretwise_theory::hz_of_midi;

use crate::notes::Note;
use crate::stft::Stft;

/// Analysis window: 186 ms at 22,050 Hz, 5.4 Hz per bin, so the partials of a low note and a
/// voice's harmonics 100 Hz apart fall in different bins.
const N_FFT: usize = 4096;
/// One frame every 10 ms at 22,050 Hz.
const HOP_S: f64 = 0.01;
/// Harmonics looked at, the fundamental first.
const HARMONICS: usize = 5;
/// How far a partial may sit from its place on the grid, cents.
const PARTIAL_CENTS: f64 = 25.0;
/// How far a partial stands above the spectrum around it, dB.
const PROMINENCE_DB: f32 = 10.0;
/// Half-width of the stretch of spectrum a partial is measured against, bins (±130 Hz).
const NEIGHBOURHOOD: usize = 24;
/// Shortest note kept, seconds.
const MIN_HELD_S: f64 = 0.12;
/// Most a note's pitch may move from its start to its end, cents: a voice glides further.
const MAX_DRIFT_CENTS: f64 = 8.0;
/// Most a note's pitch may wobble about its line, cents.
const MAX_WOBBLE_CENTS: f64 = 6.0;
/// Frames a note may drop out for and go on.
const DROPOUT: usize = 3;
/// A longer dropout, seconds, after which the same pitch is still the same note unless it
/// comes back louder (picked again).
const MERGE_GAP_S: f64 = 0.3;
/// How much louder than where it dropped out a note must come back to count as picked again,
/// dB.
const REPICK_DB: f32 = 4.0;
/// A note starts where the power at its harmonics has risen this share of the way from the
/// valley before it to its peak (a constant tone's windowed power is a quarter of its full
/// value when the window is centred on its start).
const RISE_SHARE: f32 = 0.25;

/// One frame's view of one candidate note: which harmonics stand out, the pitch they give
/// (cents from the grid) and how loud they are.
#[derive(Clone, Copy, Default)]
struct Heard {
    /// Which of its harmonics stand out (bit h − 1 for harmonic h).
    partials: u8,
    cents: f64,
    /// Power of its partials, dB re a full-scale sine.
    level_db: f32,
    /// Power at its first three harmonics' places whether they stand out or not (linear).
    energy: f32,
}

/// Power of a full-scale sine's peak bin under the Hann window, dB: (N / 4)².
fn full_scale_db() -> f32 {
    20.0 * (N_FFT as f32 / 4.0).log10()
}

/// The held notes among `candidates` (MIDI numbers) in `samples` at `rate`, on the grid of
/// `a4_hz`; times in seconds from the first sample, in onset order.
pub(crate) fn held_notes(samples: &[f32], rate: u32, a4_hz: f64, candidates: &[i32]) -> Vec<Note> {
    if candidates.is_empty() || samples.len() < N_FFT / 4 {
        return Vec::new();
    }
    let sr = f64::from(rate.max(1));
    let hop = ((HOP_S * sr).round() as usize).max(1);
    let df = sr / N_FFT as f64;
    // The octave, twelfth and two octaves below each candidate are looked at too: a note there
    // lends its harmonics to the candidate.
    let mut looked: Vec<i32> = candidates
        .iter()
        .flat_map(|m| [*m, m - 12, m - 19, m - 24])
        .filter(|m| *m >= 28)
        .collect();
    looked.sort_unstable();
    looked.dedup();
    let index = |m: i32| looked.binary_search(&m).ok();
    let mut stft = Stft::new(N_FFT, hop);
    let frames = stft.frame_count(samples.len());
    let mut heard = vec![vec![Heard::default(); frames]; looked.len()];
    let mut db = vec![0.0f32; N_FFT / 2 + 1];
    let mut around: Vec<f32> = Vec::with_capacity(2 * NEIGHBOURHOOD + 1);
    stft.power_frames(samples, |f, spectrum| {
        let power_len = spectrum.len();
        let power_at = spectrum;
        for (d, p) in db.iter_mut().zip(spectrum) {
            *d = 10.0 * (p + 1e-12).log10();
        }
        for (ci, &m) in looked.iter().enumerate() {
            let f0 = hz_of_midi(f64::from(m), a4_hz);
            let (mut found, mut weight, mut cents_sum) = ([false; HARMONICS], 0.0, 0.0);
            let mut power = 0.0f32;
            let mut energy = 0.0f32;
            for (h, hit) in found.iter_mut().enumerate() {
                let want = f0 * (h + 1) as f64;
                let bin = (want / df).round() as usize;
                if h < 3 && bin >= 1 && bin + 1 < power_len {
                    energy += power_at[bin - 1].max(power_at[bin]).max(power_at[bin + 1]);
                }
                let Some((hz, level, prominence)) = partial(&db, want, df, &mut around) else {
                    continue;
                };
                let cents = 1200.0 * (hz / want).log2();
                if cents.abs() <= PARTIAL_CENTS && prominence >= PROMINENCE_DB {
                    *hit = true;
                    power += 10f32.powf(level / 10.0);
                    // Upper partials place the pitch finer (more cents per bin).
                    let w = f64::from(prominence) * (h + 1) as f64;
                    weight += w;
                    cents_sum += w * cents;
                }
            }
            heard[ci][f] = Heard {
                partials: found
                    .iter()
                    .enumerate()
                    .fold(0u8, |acc, (h, hit)| acc | (u8::from(*hit) << h)),
                cents: if weight > 0.0 {
                    cents_sum / weight
                } else {
                    0.0
                },
                level_db: 10.0 * (power + 1e-12).log10() - full_scale_db(),
                energy,
            };
        }
    });
    let mut notes = Vec::new();
    for &m in candidates {
        let Some(ci) = index(m) else { continue };
        // Heard, and not as the upper partials of a note an octave, a twelfth or two octaves
        // below it.
        let on: Vec<bool> = (0..frames)
            .map(|f| {
                is_a_note(heard[ci][f].partials)
                    && ![12, 19, 24]
                        .iter()
                        .any(|d| index(m - d).is_some_and(|b| is_a_note(heard[b][f].partials)))
            })
            .collect();
        let on = &on;
        let track = &heard[ci];
        for (start, end) in merged_runs(on, track, hop as f64 / sr) {
            let run: Vec<(f64, f64)> = (start..end)
                .filter(|&k| on[k])
                .map(|k| (k as f64 * HOP_S, track[k].cents))
                .collect();
            if ((end - start) as f64) * HOP_S < MIN_HELD_S || !steady(&run) {
                continue;
            }
            let onset_s = (rise_frame(track, start) * hop as f64 / sr).max(0.0);
            let offset_s = ((end - 1) as f64 * hop as f64 / sr).max(onset_s + HOP_S);
            let cents = run.iter().map(|r| r.1).sum::<f64>() / run.len() as f64;
            // Loudness as the pitch track gives it: 0 at 60 dB under full scale, 127 at it.
            let peak_db = (start..end)
                .filter(|&k| on[k])
                .map(|k| track[k].level_db)
                .fold(f32::MIN, f32::max);
            notes.push(Note {
                onset_s,
                onset_pitch_s: None,
                onset_body_s: None,
                offset_s,
                midi: m,
                name: fretwise_theory::Note::from_midi(m, true).to_string(),
                cents: (cents * 10.0).round() / 10.0 + 0.0,
                velocity: ((f64::from(peak_db) + 60.0) / 60.0 * 127.0)
                    .clamp(0.0, 127.0)
                    .round() as u8,
                confidence: run.len() as f64 / (end - start) as f64,
                restrikes: Vec::new(),
                other_midi: Vec::new(),
            });
        }
    }
    notes.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    notes
}

/// Whether a set of standing-out harmonics (bit h − 1 for harmonic h) makes a note: the
/// fundamental and the second or third, or (a low string's weak fundamental) the second and
/// third. A lone peak is noise or another sound.
fn is_a_note(partials: u8) -> bool {
    let has = |h: u8| partials & (1 << (h - 1)) != 0;
    has(1) && (has(2) || has(3)) || has(2) && has(3)
}

/// The runs of heard frames (start, end frame), a dropout of up to [`DROPOUT`] frames bridged,
/// and a longer one of up to [`MERGE_GAP_S`] too unless the note comes back louder than it
/// left (picked again).
fn merged_runs(on: &[bool], track: &[Heard], hop_s: f64) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut f = 0;
    while f < on.len() {
        if !on[f] {
            f += 1;
            continue;
        }
        let start = f;
        let mut end = f + 1;
        let mut gap = 0;
        let mut g = f + 1;
        while g < on.len() && gap <= DROPOUT {
            if on[g] {
                end = g + 1;
                gap = 0;
            } else {
                gap += 1;
            }
            g += 1;
        }
        f = end;
        let peak = (start..end)
            .filter(|&k| on[k])
            .map(|k| track[k].level_db)
            .fold(f32::MIN, f32::max);
        match runs.last_mut() {
            Some(last)
                if (start - last.1) as f64 * hop_s <= MERGE_GAP_S
                    && peak < track[last.1 - 1].level_db + REPICK_DB =>
            {
                last.1 = end;
            }
            _ => runs.push((start, end)),
        }
    }
    runs
}

/// Where a note heard from frame `first` starts, in frames (fractional): where the power at
/// its harmonics rose [`RISE_SHARE`] of the way from the valley before it to its peak.
fn rise_frame(track: &[Heard], first: usize) -> f64 {
    let peak_at = (first..(first + 15).min(track.len()))
        .max_by(|a, b| track[*a].energy.total_cmp(&track[*b].energy))
        .unwrap_or(first);
    let from = first.saturating_sub(30);
    let valley = (from..=peak_at)
        .map(|k| track[k].energy)
        .fold(f32::MAX, f32::min);
    let level = valley + RISE_SHARE * (track[peak_at].energy - valley);
    let mut k = peak_at;
    while k > from && track[k - 1].energy >= level {
        k -= 1;
    }
    if k == 0 || k == from {
        return k as f64;
    }
    // Between frame k − 1 (under the level) and k (at or over it).
    let (a, b) = (track[k - 1].energy, track[k].energy);
    let frac = if b > a { (level - a) / (b - a) } else { 1.0 };
    (k - 1) as f64 + f64::from(frac)
}

/// The strongest local maximum of `db` within a partial's reach of `want` Hz: its frequency
/// (parabolic interpolation), its level and how far it stands above the median of the
/// spectrum around it (dB).
fn partial(db: &[f32], want: f64, df: f64, around: &mut Vec<f32>) -> Option<(f64, f32, f32)> {
    let centre = (want / df).round() as usize;
    let reach = ((want * (2f64.powf(PARTIAL_CENTS / 1200.0) - 1.0) / df).ceil() as usize).max(1);
    if centre + reach + 1 >= db.len() || centre < reach + 2 {
        return None;
    }
    let k = (centre - reach..=centre + reach)
        .filter(|&k| db[k] >= db[k - 1] && db[k] >= db[k + 1])
        .max_by(|a, b| db[*a].total_cmp(&db[*b]))?;
    let (a, b, c) = (f64::from(db[k - 1]), f64::from(db[k]), f64::from(db[k + 1]));
    let denom = a - 2.0 * b + c;
    let delta = if denom.abs() > 1e-9 {
        (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        0.0
    };
    around.clear();
    let lo = k.saturating_sub(NEIGHBOURHOOD);
    let hi = (k + NEIGHBOURHOOD).min(db.len() - 1);
    // The peak's own main lobe is left out of its surroundings.
    around.extend((lo..=hi).filter(|j| j.abs_diff(k) > 2).map(|j| db[j]));
    if around.is_empty() {
        return None;
    }
    let mid = around.len() / 2;
    let (_, median, _) = around.select_nth_unstable_by(mid, f32::total_cmp);
    Some(((k as f64 + delta) * df, db[k], db[k] - *median))
}

/// Whether a run of (seconds, cents) holds its pitch: the least-squares line through it moves
/// at most [`MAX_DRIFT_CENTS`] over the run and the points stay near it.
fn steady(run: &[(f64, f64)]) -> bool {
    let n = run.len() as f64;
    if run.len() < 3 {
        return false;
    }
    let (mt, mc) = (
        run.iter().map(|r| r.0).sum::<f64>() / n,
        run.iter().map(|r| r.1).sum::<f64>() / n,
    );
    let stt: f64 = run.iter().map(|r| (r.0 - mt).powi(2)).sum();
    let stc: f64 = run.iter().map(|r| (r.0 - mt) * (r.1 - mc)).sum();
    let slope = if stt > 0.0 { stc / stt } else { 0.0 };
    let span = run[run.len() - 1].0 - run[0].0;
    let wobble = (run
        .iter()
        .map(|r| (r.1 - mc - slope * (r.0 - mt)).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    (slope * span).abs() <= MAX_DRIFT_CENTS && wobble <= MAX_WOBBLE_CENTS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(midi: i32, a4: f64, seconds: f64, sr: f64, glide_cents_per_s: f64) -> Vec<f32> {
        let mut phase = [0.0f64; 6];
        (0..(seconds * sr) as usize)
            .map(|i| {
                let t = i as f64 / sr;
                let f0 = hz_of_midi(f64::from(midi) + glide_cents_per_s * t / 100.0, a4);
                let mut x = 0.0;
                for (h, p) in phase.iter_mut().enumerate() {
                    *p += f0 * (h + 1) as f64 / sr;
                    x += (2.0 * std::f64::consts::PI * *p).sin() / (h + 1) as f64;
                }
                (0.1 * x) as f32
            })
            .collect()
    }

    #[test]
    fn a_held_note_under_a_gliding_voice_is_found_and_the_voice_is_not() {
        let sr = 22_050.0;
        // A guitar-like A3 (on the grid) from 0.5 s to 1.3 s under a "voice" starting on D3 and
        // gliding down 150 cents a second, as a speaking voice's pitch falls.
        let mut x = tone(50, 440.0, 2.0, sr, -150.0);
        let note = tone(57, 440.0, 0.8, sr, 0.0);
        for (k, v) in note.iter().enumerate() {
            x[(0.5 * sr) as usize + k] += v;
        }
        let found = held_notes(&x, 22_050, 440.0, &[50, 52, 55, 57, 59, 60]);
        let a3: Vec<&Note> = found.iter().filter(|n| n.midi == 57).collect();
        assert_eq!(a3.len(), 1, "{found:?}");
        assert!((a3[0].onset_s - 0.5).abs() < 0.06, "{:?}", a3[0]);
        assert!((a3[0].offset_s - 1.3).abs() < 0.12, "{:?}", a3[0]);
        // The voice passes D3 and C#3 on its way down but holds neither.
        assert!(found.iter().all(|n| n.midi == 57), "{found:?}");
    }

    #[test]
    fn a_note_an_octave_up_is_not_read_from_a_lower_notes_harmonics() {
        let sr = 22_050.0;
        let x = tone(45, 440.0, 1.0, sr, 0.0);
        let found = held_notes(&x, 22_050, 440.0, &[45, 57]);
        assert!(found.iter().all(|n| n.midi == 45), "{found:?}");
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
