//! Onset detection: spectral flux of a log-power mel spectrogram (half-wave rectified, so only
//! rising energy counts; compared against the previous frame's maximum over neighbouring bands,
//! SuperFlux-style, so vibrato and bends do not look like attacks), peak-picked against an
//! adaptive local mean — the scheme of librosa's `onset_detect`. Decibels make a soft legato note
//! rise as much as a loud one; mel bands average the noise that single bins would add up.

use crate::spectral::MelBank;
use crate::stft::Stft;

/// Analysis frame for the spectrum.
const N_FFT: usize = 1024;
/// Mel bands of the onset spectrogram.
const N_MELS: usize = 64;
/// Dynamic range kept below the loudest band value, dB.
const TOP_DB: f32 = 80.0;
/// Largest rise per band and frame that counts, dB.
const MAX_RISE_DB: f32 = 12.0;
/// Share of an attack's rise (RMS, valley to peak) where its start is read.
const LOW_SHARE: f64 = 0.07;
/// A second point on the rise, through which the start is extrapolated back.
const HIGH_SHARE: f64 = 0.2;
/// Steps (0.5 ms) the valley of a pitch change's rise must lie inside its search window.
const MIN_VALLEY_STEPS: usize = 4;
/// Least rise of a pitch change's bins that places it, dB.
const PITCH_CHANGE_RISE_DB: f64 = 6.0;
/// Attacks closer than this are one.
const SAME_ATTACK_S: f64 = 0.04;
/// How far back of the low point the extrapolation may place the start, seconds.
const MAX_EXTRAPOLATION_S: f64 = 0.002;
/// A rise from 7 % to 20 % slower than this did not start at its 7 % point.
const SLOW_RISE_S: f64 = 0.010;
/// How long a pick takes from its start to 20 % of its rise, where its 7 % point is not read.
const PICK_RISE_S: f64 = 0.001;
/// A peak this many times its surroundings' mean flux is an attack however small it is beside
/// the loudest (a note picked over a ringing one, after a loud entry that set the scale)...
const STANDS_OUT_RATIO: f64 = 4.0;
/// ...if it reaches this share of the loudest.
const STANDS_OUT_FLOOR: f64 = 0.03;
/// A rise of the whole band under this (dB) is read on the new note's own bins instead.
const WEAK_RISE_DB: f64 = 4.5;
/// Where those bins are looked at: their window runs from 15 ms before the detection to 35 ms
/// after it (a detection frame is centred a few ms before the pick it hears).
const WEAK_ANCHOR_S: f64 = 0.025;
/// Where a second reading looks when the first window finds no rise: 55 ms to 5 ms before the
/// start (a note under chorus or a slow sample's swell can be read 30–50 ms late).
const LATE_READ_ANCHOR_S: f64 = 0.015;
/// A flux peak must be this many times the recording's median flux: in noise at 5–10 dB the
/// noise's own flux peaks pass a threshold set by the mean around them.
const NOISE_FLUX_RATIO: f64 = 3.0;
/// Frames (at the onset hop) on each side of a peak between which a level change is read.
const LEVEL_STEP_FRAMES: usize = 6;
/// A level change rises at least this much on average, dB...
const LEVEL_STEP_MIN_DB: f64 = 2.0;
/// ...and its bands' rises spread less than this (robust standard deviation, dB).
const LEVEL_STEP_MAX_SD_DB: f64 = 1.6;
/// Least rise of the high band that places an attack the whole band does not show, dB.
const HIGH_RISE_DB: f64 = 6.0;
/// How far before the whole band's rise a pick's click may start it, seconds (from, to).
const CLICK_LEAD_S: (f64, f64) = (0.005, 0.04);
/// How much the click must have raised the top of the spectrum by the whole band's rise, dB.
const CLICK_RISE_DB: f64 = 10.0;
/// Where the top of the spectrum, a pick's click, begins, Hz.
const CLICK_HZ: f64 = 4000.0;
/// Window compared on each side of a rise to tell a gain step from a pick, seconds.
const STEP_WINDOW_S: f64 = 0.012;
/// Gap left on each side of the rise's read time (it is read to within a few ms), seconds.
const STEP_GAP_S: f64 = 0.003;
/// Longest period searched for the waveform before the rise, seconds (below E1 at 41 Hz).
const STEP_MAX_PERIOD_S: f64 = 0.025;
/// Least normalised correlation of the waveform after a rise with the one before it (a
/// whole number of periods back) that makes the rise a gain step: the wave went on unchanged,
/// only louder. A pick, even of the same string, starts a new wave with its own transient.
const STEP_MIN_CORRELATION: f64 = 0.97;
/// ...and at least this much louder, dB (a read time a little before the change compares the
/// old wave with itself).
const STEP_MIN_DB: f64 = 3.0;
/// Largest difference between the rise of the top of the spectrum (the first difference) and
/// the whole one's across a gain step, dB.
const STEP_MAX_TILT_DB: f64 = 6.0;

/// An attack: when, and how much the energy rose (dB, 12 ms envelope, valley to peak).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Attack {
    /// Seconds.
    pub time_s: f64,
    /// Rise in dB.
    pub rise_db: f64,
}

/// Onset strength per hop and the attacks found in it.
pub fn onsets(samples: &[f32], rate: u32, hop: usize) -> (Vec<f64>, Vec<Attack>) {
    let mut stft = Stft::new(N_FFT, hop);
    let frames = stft.frame_count(samples.len());
    let bank = MelBank::new(N_MELS, N_FFT, rate, 30.0, f64::from(rate) / 2.0);
    let mut mel = vec![0.0f32; frames * N_MELS];
    stft.power_frames(samples, |f, power| {
        bank.apply(power, &mut mel[f * N_MELS..(f + 1) * N_MELS]);
    });
    let top = mel.iter().fold(1e-10f32, |m, v| m.max(*v));
    let floor = 10.0 * top.log10() - TOP_DB;
    for v in &mut mel {
        *v = (10.0 * v.max(1e-10).log10()).max(floor);
    }
    let mut flux = vec![0.0f64; frames];
    for f in 1..frames {
        let (prev, cur) = (
            &mel[(f - 1) * N_MELS..f * N_MELS],
            &mel[f * N_MELS..(f + 1) * N_MELS],
        );
        // Each band's reference: the previous frame's loudest of it and its two neighbours.
        let mut reference = [0.0f32; N_MELS];
        reference[0] = prev[0].max(prev[1]);
        for b in 1..N_MELS - 1 {
            reference[b] = prev[b - 1].max(prev[b]).max(prev[b + 1]);
        }
        reference[N_MELS - 1] = prev[N_MELS - 2].max(prev[N_MELS - 1]);
        let mut sum = 0.0f64;
        for (c, r) in cur.iter().zip(&reference) {
            // A rise is capped: an attack out of silence counts no more than a clear attack over a
            // ringing note, so one loud entry does not dwarf the legato notes after it.
            sum += f64::from((c - r).clamp(0.0, MAX_RISE_DB));
        }
        flux[f] = sum / N_MELS as f64;
    }
    let peak = flux.iter().copied().fold(0.0f64, f64::max);
    if peak <= 0.0 {
        return (flux, Vec::new());
    }
    for v in &mut flux {
        *v /= peak;
    }
    let hop_s = hop as f64 / f64::from(rate);
    let frames_for = |s: f64| ((s / hop_s).round() as usize).max(1);
    let (pre_max, post_max) = (frames_for(0.03), frames_for(0.03));
    let (pre_avg, post_avg) = (frames_for(0.10), frames_for(0.10));
    let wait = frames_for(0.04);
    let delta = 0.07;
    let mut out: Vec<Attack> = Vec::new();
    let mut last: Option<usize> = None;
    // The recording's median flux: in steady noise, the noise's own frame-to-frame rises.
    let noise_flux = {
        let mut v = flux.clone();
        let mid = v.len() / 2;
        *v.select_nth_unstable_by(mid, f64::total_cmp).1
    };
    let is_peak = |flux: &[f64], f: usize| {
        let lo = f.saturating_sub(pre_max);
        let hi = (f + post_max).min(frames - 1);
        let is_max = (lo..=hi).all(|i| flux[i] <= flux[f]);
        let alo = f.saturating_sub(pre_avg);
        let ahi = (f + post_avg).min(frames - 1);
        let mean = flux[alo..=ahi].iter().sum::<f64>() / (ahi - alo + 1) as f64;
        let stands_out = flux[f] >= mean + delta
            || (flux[f] >= STANDS_OUT_RATIO * mean && flux[f] >= STANDS_OUT_FLOOR);
        is_max
            && stands_out
            && flux[f] >= NOISE_FLUX_RATIO * noise_flux
            && !level_change(&mel, f, frames, floor)
    };
    // Each peak frame's reading, made once (both passes below ask for it).
    let mut refined: Vec<Option<Reading>> = vec![None; frames];
    let mut refine_at =
        |f: usize| *refined[f].get_or_insert_with(|| refine(samples, rate, f as f64 * hop_s));
    // A gain step that the band comparison cannot see (a pick follows within its frames) is
    // no attack, and its hill of flux is taken away so that it does not hide the pick after it.
    let mut peaks: Vec<bool> = (0..frames).map(|f| f > 0 && is_peak(&flux, f)).collect();
    let steps: Vec<usize> = (1..frames)
        .filter(|&f| peaks[f] && matches!(refine_at(f), Reading::GainStep))
        .collect();
    if !steps.is_empty() {
        for f in steps {
            flatten_hill(&mut flux, f);
        }
        peaks = (0..frames).map(|f| f > 0 && is_peak(&flux, f)).collect();
    }
    for (f, _) in peaks.iter().enumerate().skip(1).filter(|(_, p)| **p) {
        if last.is_none_or(|l| f - l >= wait) {
            // A spectral change without any rise in energy (a note cut off, a click) is no attack.
            if let Reading::Attack(a) = refine_at(f) {
                last = Some(f);
                // Two spectral peaks 40 ms apart can lead back to one rise: one attack, read
                // where it rises most (no one picks a string twice within 40 ms, and detection
                // waits as long).
                match out.last_mut() {
                    Some(prev) if a.time_s - prev.time_s < SAME_ATTACK_S => {
                        if a.rise_db > prev.rise_db {
                            *prev = a;
                        }
                    }
                    _ => out.push(a),
                }
            }
        }
    }
    (flux, out)
}

/// Sets to zero the hill of `flux` around its peak at `f`, down to the valley on each side.
fn flatten_hill(flux: &mut [f64], f: usize) {
    let mut lo = f;
    while lo > 0 && flux[lo - 1] < flux[lo] {
        lo -= 1;
    }
    let mut hi = f;
    while hi + 1 < flux.len() && flux[hi + 1] < flux[hi] {
        hi += 1;
    }
    flux[lo..=hi].fill(0.0);
}

/// Whether the spectrum around frame `f` only got louder, the same in every band that sounds
/// (a gain step: a volume pedal, the player moving to the microphone), rather than changing
/// shape as a pick does (new partials, a fresh string's brighter top). `mel` is in dB per band.
fn level_change(mel: &[f32], f: usize, frames: usize, floor: f32) -> bool {
    // Frames this far apart see the sound wholly before and wholly after the change.
    let k = LEVEL_STEP_FRAMES;
    if f < k || f + k >= frames {
        return false;
    }
    let (before, after) = (
        &mel[(f - k) * N_MELS..(f - k + 1) * N_MELS],
        &mel[(f + k) * N_MELS..(f + k + 1) * N_MELS],
    );
    let mut rises: Vec<f64> = before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.max(**a) > floor + 30.0)
        .map(|(b, a)| f64::from(a - b))
        .collect();
    if rises.len() < N_MELS / 4 {
        return false;
    }
    // Median and median absolute deviation: a band at the floor on one side reads a clipped
    // rise, which must not hide a uniform step in the others.
    let median = crate::notes::median(&mut rises);
    let mut spread: Vec<f64> = rises.iter().map(|r| (r - median).abs()).collect();
    median >= LEVEL_STEP_MIN_DB && 1.4826 * crate::notes::median(&mut spread) < LEVEL_STEP_MAX_SD_DB
}

/// Whether the wave just after `t` is the wave just before it, only scaled: the 12 ms after
/// `t` correlate with some 12 ms ending before `t` (a whole number of periods back) at
/// [`STEP_MIN_CORRELATION`] or more, and are [`STEP_MIN_DB`] louder.
fn gain_step(samples: &[f32], rate: u32, t: f64) -> bool {
    let sr = f64::from(rate);
    let (w, gap) = ((STEP_WINDOW_S * sr) as usize, (STEP_GAP_S * sr) as usize);
    let max_lag = (STEP_MAX_PERIOD_S * sr) as usize;
    let at = (t * sr).round();
    if at < 0.0 {
        return false;
    }
    let at = at as usize;
    // The earliest lag puts the window before `t - gap`: it must hold only the old wave.
    let min_lag = w + 2 * gap;
    let Some(after) = samples.get(at + gap..at + gap + w) else {
        return false;
    };
    if at + gap < min_lag + max_lag {
        return false;
    }
    let energy = sum_of_squares(after);
    if energy <= 0.0 {
        return false;
    }
    // A cheap test first (most rises are picks): a gain step raises the top of the spectrum as
    // much as the whole, where a pick's fresh string and click raise the top more.
    let just_before = &samples[at - gap - w..at - gap];
    let rise_db = |after: f64, before: f64| 10.0 * (after / before.max(1e-20)).log10();
    let tilt = rise_db(
        sum_of_squared_steps(after),
        sum_of_squared_steps(just_before),
    ) - rise_db(energy, sum_of_squares(just_before));
    if tilt.abs() > STEP_MAX_TILT_DB {
        return false;
    }
    let loud_enough = energy / 10f64.powf(STEP_MIN_DB / 10.0);
    // The energy of the window before, slid back one sample per lag.
    let mut e = sum_of_squares(&samples[at + gap - min_lag..at + gap - min_lag + w]);
    for lag in min_lag..min_lag + max_lag {
        let from = at + gap - lag;
        if lag > min_lag {
            e += f64::from(samples[from]).powi(2) - f64::from(samples[from + w]).powi(2);
        }
        // The slid sum only screens (it drifts by rounding where the sound starts from
        // silence); the correlation uses the window's own. Out of near silence (60 dB) is an
        // attack, never a step.
        if e < energy * 1e-6 || e > loud_enough {
            continue;
        }
        let before = &samples[from..from + w];
        let exact = sum_of_squares(before);
        if exact < energy * 1e-6 || exact > loud_enough {
            continue;
        }
        let dot = crate::lanes::sum_zip(before, after, |a, b| f64::from(a) * f64::from(b));
        if dot / (exact * energy).sqrt() >= STEP_MIN_CORRELATION {
            return true;
        }
    }
    false
}

/// Step between the points where a note's wave is compared with itself, seconds...
const RESTRIKE_STEP_S: f64 = 0.002;
/// ...in a first pass at this many steps apart.
const RESTRIKE_STEPS_PER_PASS: usize = 3;
/// How far inside a note's ends restrikes are looked for, seconds (its own attack and its
/// release change the wave too).
const RESTRIKE_MARGIN_S: (f64, f64) = (0.05, 0.02);
/// A restrike's wave matches the one before it at most this well (normalised correlation)...
const RESTRIKE_MAX_CORRELATION: f64 = 0.85;
/// ...and this much worse than the note's wave matches itself elsewhere (its median).
const RESTRIKE_MIN_DIP: f64 = 0.2;
/// How long after the correlation first falls under [`RESTRIKE_MAX_CORRELATION`] the new wave
/// starts, seconds: the window after a point reaches 15 ms past it, and the correlation falls
/// that far once about half of it holds the new wave (read on the tuning takes' restrikes).
const RESTRIKE_LEAD_S: f64 = 0.008;

/// Where inside a note (`from_s`..`to_s`, at `hz`) its wave starts over at the same pitch, as
/// when a ringing string is picked again without a rise in level: the points where the 12 ms
/// after do not match the 12 ms a whole number of periods before (correlation under
/// [`RESTRIKE_MAX_CORRELATION`] and [`RESTRIKE_MIN_DIP`] under the note's median), each dip
/// that begins and ends inside the span reported once, where its new wave starts. Weak
/// evidence: a chorus's sweep or a bend dips too.
pub(crate) fn restrikes(samples: &[f32], rate: u32, from_s: f64, to_s: f64, hz: f64) -> Vec<f64> {
    let sr = f64::from(rate);
    if hz.is_nan() || hz <= 0.0 {
        return Vec::new();
    }
    let (w, gap) = ((STEP_WINDOW_S * sr) as usize, (STEP_GAP_S * sr) as usize);
    let period = sr / hz;
    // The whole number of periods that puts the window before a point wholly before it.
    let lag0 = ((w + 2 * gap) as f64 / period).ceil() * period;
    let (lo, hi) = (from_s + RESTRIKE_MARGIN_S.0, to_s - RESTRIKE_MARGIN_S.1);
    // How well the 12 ms after `t` match those a whole number of periods before.
    let correlation = |t: f64| -> Option<f64> {
        let start = (t * sr).round() as usize + gap;
        let after = samples.get(start..start + w)?;
        let energy = sum_of_squares(after);
        let best = (-1i64..=1)
            .filter_map(|d| {
                let lag = (lag0.round() as i64 + d) as usize;
                let before = samples.get(start.checked_sub(lag)?..start - lag + w)?;
                let dot = crate::lanes::sum_zip(before, after, |a, b| f64::from(a) * f64::from(b));
                let e = sum_of_squares(before);
                (e > 0.0 && energy > 0.0).then(|| dot / (e * energy).sqrt())
            })
            .fold(f64::NEG_INFINITY, f64::max);
        best.is_finite().then_some(best)
    };
    // A coarse pass (a restrike's dip is 30 ms or more wide), then the dip's edge to the fine
    // step.
    let coarse = RESTRIKE_STEPS_PER_PASS as f64 * RESTRIKE_STEP_S;
    let mut points: Vec<(f64, f64)> = Vec::new();
    let mut t = lo;
    while t <= hi {
        match correlation(t) {
            Some(c) => points.push((t, c)),
            None => break,
        }
        t += coarse;
    }
    if points.len() < 5 {
        return Vec::new();
    }
    let median = crate::notes::median(&mut points.iter().map(|p| p.1).collect::<Vec<_>>());
    let limit = RESTRIKE_MAX_CORRELATION.min(median - RESTRIKE_MIN_DIP);
    // A dip that is under way where the span starts is the note's own attack settling.
    let mut out: Vec<f64> = Vec::new();
    let mut seen_above = false;
    let mut dip: Option<f64> = None;
    for &(t, c) in &points {
        if c < limit {
            if seen_above && dip.is_none() {
                // The first fine step after the last point above the limit that is under it.
                let edge = (1..RESTRIKE_STEPS_PER_PASS)
                    .rev()
                    .map(|k| t - k as f64 * RESTRIKE_STEP_S)
                    .find(|&u| correlation(u).is_some_and(|c| c < limit))
                    .unwrap_or(t);
                dip = Some(edge);
            }
        } else {
            seen_above = true;
            out.extend(dip.take().map(|d| d + RESTRIKE_LEAD_S));
        }
    }
    out
}

/// The spectral frame that detects an attack is centred up to half a window away from it; the
/// attack itself is read on the fine-grained energy envelope (12 ms windows, 0.5 ms steps,
/// interpolated between them) where it climbs 7 % of the way from the quietest point before it to
/// the loudest point after (5 % let a distorted note's noise floor start it 50 ms early),
/// extrapolated back along the rise towards where the sound starts.
/// Flat when the energy does not rise by at least 2 dB, nor the high band by 6 dB; a gain step
/// when the rise is one (the wave goes on, louder) and nothing rises after it.
fn refine(samples: &[f32], rate: u32, t: f64) -> Reading {
    let sr = f64::from(rate);
    let Some((env, win)) = envelope(samples, sr, t, Band::Full) else {
        return Reading::Attack(Attack {
            time_s: t,
            rise_db: 0.0,
        });
    };
    // The valley where the attack starts lies before the detection (plus a little): a louder
    // note just ending must not be taken for this one's peak.
    let mut rise = read_rise(&env, t + 0.01, win, sr);
    if let Some(step) = rise.as_ref().and_then(|r| r.time_s)
        && gain_step(samples, rate, step)
    {
        // The rise began as a gain step: a pick, if any, is a later rise, read on the windows
        // wholly after the step.
        let after: Vec<(usize, f64)> = env
            .iter()
            .copied()
            .filter(|(i, _)| *i as f64 / sr >= step + STEP_GAP_S)
            .collect();
        rise = match read_rise(&after, t + 0.01, win, sr) {
            Some(r) if r.time_s.is_some() => Some(r),
            _ => return Reading::GainStep,
        };
    }
    let Some(rise) = rise else {
        // A note picked over a louder one still ringing can leave the whole band's energy
        // flat; the pick's broadband click still stands out above the ringing note's low
        // partials. Such an attack is reported with no rise: it is weak where it counts.
        return envelope(samples, sr, t, Band::High)
            .and_then(|(high, _)| read_rise(&high, t + 0.01, win, sr))
            .and_then(|rise| rise.time_s.filter(|_| rise.rise_db >= HIGH_RISE_DB))
            .map_or(Reading::Flat, |time_s| {
                Reading::Attack(Attack {
                    time_s,
                    rise_db: 0.0,
                })
            });
    };
    let mut time_s = rise.time_s.unwrap_or(t);
    // A weak rise (a note picked as the last one is damped, under reverb or noise) leaves the
    // whole band's energy nearly level, and its valley and 7 % point can land 20–40 ms either
    // side of the pick. The new note's own bins still rise clearly: read the start on them.
    if rise.rise_db < WEAK_RISE_DB
        && let Some(b) = rising_bins_onset(samples, rate, t + WEAK_ANCHOR_S, 0)
    {
        time_s = b;
    }
    // A pick's click can sound before its string's body (a sampled guitar whose body swells
    // in 30 ms): where the top of the spectrum had already risen by CLICK_RISE_DB when the
    // whole band starts to, the attack started with the top's rise.
    if let Some(click) = click_before(samples, sr, t, time_s, win) {
        time_s = click;
    }
    Reading::Attack(Attack {
        time_s,
        rise_db: rise.rise_db,
    })
}

/// What the energy around a detection shows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    /// An attack.
    Attack(Attack),
    /// Only a gain step: the wave went on unchanged, louder.
    GainStep,
    /// No rise.
    Flat,
}

/// Where the top of the spectrum (above 4 kHz) began to rise, 5–40 ms before `start` (the
/// whole band's rise near detection `t`), if it had risen [`CLICK_RISE_DB`] by `start` and
/// the rise is no gain step.
fn click_before(samples: &[f32], sr: f64, t: f64, start: f64, win: usize) -> Option<f64> {
    // Looked at from 70 ms before the detection: the click can lead it by 40 ms.
    let (top, _) = envelope(samples, sr, t - 0.03, Band::Top)?;
    let win_s = win as f64 / sr;
    // Steps are indexed by where their window starts; a reading is where it ends.
    let rise = read_rise(&top, start - win_s, win, sr)?;
    let click = rise.time_s?;
    let lead = start - click;
    if !(CLICK_LEAD_S.0..=CLICK_LEAD_S.1).contains(&lead) {
        return None;
    }
    let valley = top.get(rise.base_at)?.1;
    let at_start = top
        .iter()
        .take_while(|(i, _)| *i as f64 / sr + win_s <= start)
        .last()?
        .1;
    // A gain step raises the top as well: it is no click.
    (20.0 * (at_start / valley.max(1e-12)).log10() >= CLICK_RISE_DB
        && !gain_step(samples, sr as u32, click))
    .then_some(click)
}

/// `x` through two high-pass biquads at `hz` (RBJ's, Q 0.707): 24 dB per octave below it.
fn high_passed(x: &[f32], sr: f64, hz: f64) -> Vec<f32> {
    let w0 = std::f64::consts::TAU * hz / sr;
    let (cos, alpha) = (w0.cos(), w0.sin() / (2.0 * std::f64::consts::FRAC_1_SQRT_2));
    let a0 = 1.0 + alpha;
    let (b0, b1, b2) = (
        (1.0 + cos) / 2.0 / a0,
        -(1.0 + cos) / a0,
        (1.0 + cos) / 2.0 / a0,
    );
    let (a1, a2) = (-2.0 * cos / a0, (1.0 - alpha) / a0);
    let mut out: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
    for _ in 0..2 {
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        for v in &mut out {
            let y = b0 * *v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
            (x2, x1, y2, y1) = (x1, *v, y1, y);
            *v = y;
        }
    }
    out.iter().map(|v| *v as f32).collect()
}

/// Which part of the spectrum an envelope follows.
#[derive(Clone, Copy, PartialEq)]
enum Band {
    /// All of it.
    Full,
    /// Tilted up 6 dB per octave (the first difference), so a pick's click outweighs a ringing
    /// note's low partials.
    High,
    /// Above 4 kHz: a pick's click alone.
    Top,
}

/// Where a note that starts without a detected attack (a legato note under the previous one's
/// damping, a hammer-on) begins: the rise, within 40 ms before `t` to 10 ms after, of the bins
/// whose power it brings (its pitch's). None when they rise less than 6 dB or were already
/// rising 40 ms before `t`.
pub(crate) fn pitch_change_onset(samples: &[f32], rate: u32, t: f64) -> Option<f64> {
    rising_bins_onset(samples, rate, t, MIN_VALLEY_STEPS)
}

/// A second reading of an attack at `t`: where the bins its note brings begin to rise, looked
/// for from 15 ms before `t` to 35 ms after (on the new note's own partials, so a ringing
/// note's swell or noise in other bands does not move it), or failing that from 55 ms before
/// to 5 ms before (a start read late, its note already sounding in the first window). None
/// when they do not rise 6 dB.
pub(crate) fn own_bins_onset(samples: &[f32], rate: u32, t: f64) -> Option<f64> {
    rising_bins_onset(samples, rate, t + WEAK_ANCHOR_S, 0)
        .or_else(|| rising_bins_onset(samples, rate, t - LATE_READ_ANCHOR_S, 0))
}

/// A start out of silence: the 40 ms before it at least this far under the 80 ms after, dB.
const OUT_OF_SILENCE_DB: f64 = 25.0;
/// A pre-attack lasts this long at least and at most, s.
const PREATTACK_S: (f64, f64) = (0.012, 0.045);
/// Its level frames (4 ms, every 2 ms) stay within this many dB of each other...
const PREATTACK_SPREAD_DB: f64 = 6.0;
/// ...and the body comes in this far over their median and for 20 ms stays there, dB...
const BODY_OVER_PREATTACK_DB: f64 = 6.0;
/// ...in one step over the loudest of them, dB.
const BODY_STEP_DB: f64 = 3.0;

/// Where the body of a note starting out of silence at `t` comes in after a soft pre-attack:
/// a flat stretch of 12–45 ms, then a step of 6 dB or more that holds. None where the note
/// does not start out of silence or reaches its level at once (a pick, a slow swell).
pub(crate) fn body_after_preattack(samples: &[f32], rate: u32, t: f64) -> Option<f64> {
    let sr = f64::from(rate);
    let n = |s: f64| (s * sr).round().max(1.0) as usize;
    let i0 = (t * sr).round().max(0.0) as usize;
    let before = samples.get(i0.checked_sub(n(0.04))?..i0)?;
    let after = samples.get(i0..i0 + n(0.08))?;
    let db = |x: &[f32]| 10.0 * (sum_of_squares(x) / x.len().max(1) as f64 + 1e-20).log10();
    if db(after) - db(before) < OUT_OF_SILENCE_DB {
        return None;
    }
    let (hop, win) = (n(0.002), n(0.004));
    let level: Vec<f64> = (0..)
        .map(|k| k * hop)
        .take_while(|o| o + win <= after.len())
        .map(|o| db(&after[o..o + win]))
        .collect();
    // Frame 0 may hold the silence before the sound; the pre-attack is read from 2 ms on.
    let first = 1;
    let held = n(0.02) / hop;
    let shortest = n(PREATTACK_S.0).div_ceil(hop).max(first + win / hop);
    for k in shortest..level.len().saturating_sub(held) {
        let at_s = (k * hop) as f64 / sr;
        if at_s > PREATTACK_S.1 {
            break;
        }
        // The frames wholly before this one.
        let pre = &level[first..=k - win / hop];
        let (lo, hi) = pre
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                (a.min(x), b.max(x))
            });
        if hi - lo > PREATTACK_SPREAD_DB {
            return None;
        }
        let median = crate::notes::median(&mut pre.to_vec());
        let body = &level[k..k + held];
        let body_mean = body.iter().sum::<f64>() / body.len() as f64;
        if level[k] >= hi + BODY_STEP_DB
            && level[k] >= median + BODY_OVER_PREATTACK_DB
            && body_mean >= median + BODY_OVER_PREATTACK_DB
        {
            return Some(t + at_s);
        }
    }
    None
}

/// The rise of the bins that a sound starting near `t` brings, within 40 ms before `t` to 10 ms
/// after; its valley at least `min_valley` steps into the window.
fn rising_bins_onset(samples: &[f32], rate: u32, t: f64, min_valley: usize) -> Option<f64> {
    let sr = f64::from(rate);
    let (env, win) = envelope(samples, sr, t, Band::Full)?;
    // The new pitch is established 30 ms after the change.
    let settled = env.iter().position(|(i, _)| (*i as f64) / sr >= t + 0.03)?;
    let banded = rising_bins_envelope(samples, &env, settled, win)?;
    let rise = read_rise(&banded, t + 0.01, win, sr)?;
    // A valley at the window's edge means those bins were rising before it (a distorted note's
    // spectrum keeps moving): no start to read here.
    if rise.base_at < min_valley || rise.rise_db < PITCH_CHANGE_RISE_DB {
        return None;
    }
    rise.time_s.filter(|s| (t - 0.04..=t + 0.01).contains(s))
}

/// The RMS envelope (12 ms windows, 0.5 ms steps) from 40 ms before `t` to 50 ms after, and the
/// window length; None when the audio there is too short.
fn envelope(samples: &[f32], sr: f64, t: f64, band: Band) -> Option<(Vec<(usize, f64)>, usize)> {
    let step = ((0.0005 * sr).round() as usize).max(1);
    // 12 ms: a full period of the low E string, so the envelope does not ripple with the wave.
    let win = ((0.012 * sr).round() as usize).max(2);
    let lo = ((t - 0.04) * sr).max(0.0) as usize;
    let hi = (((t + 0.05) * sr) as usize).min(samples.len().saturating_sub(win));
    if hi <= lo + win {
        return None;
    }
    // The top band is filtered over the span only, from a few ms earlier (the filter settles).
    let settle = lo.min((0.003 * sr) as usize);
    let top = match band {
        Band::Top => high_passed(&samples[lo - settle..hi + win], sr, CLICK_HZ),
        _ => Vec::new(),
    };
    let energy = |i: usize| -> f64 {
        match band {
            Band::Full => sum_of_squares(&samples[i..i + win]),
            Band::High => sum_of_squared_steps(&samples[i.saturating_sub(1)..i + win]),
            Band::Top => sum_of_squares(&top[i - lo + settle..i - lo + settle + win]),
        }
    };
    let env = (lo..hi)
        .step_by(step)
        .map(|i| (i, (energy(i) / win as f64).sqrt()))
        .collect();
    Some((env, win))
}

/// Σ x² in four lanes (these sums, a window every half millisecond around every attack, were a
/// few per cent of an analysis).
fn sum_of_squares(x: &[f32]) -> f64 {
    crate::lanes::sum_zip(x, x, |v, _| f64::from(v).powi(2))
}

/// Σ (x[k+1] − x[k])² in four lanes (a first difference: the high band's energy).
fn sum_of_squared_steps(x: &[f32]) -> f64 {
    // Each sample paired with the next (the sum runs over the shorter slice's length).
    crate::lanes::sum_zip(x, x.get(1..).unwrap_or_default(), |p, q| {
        f64::from(q - p).powi(2)
    })
}

/// Where an envelope's rise starts, and how much it rises.
struct Rise {
    /// The start, if the rise crosses its thresholds.
    time_s: Option<f64>,
    /// Valley to peak, dB.
    rise_db: f64,
    /// Index of the valley in the envelope.
    base_at: usize,
}

/// Reads the rise of `env` ((sample index, RMS) per step) whose valley lies at or before
/// `valley_by_s` seconds; None when it rises less than 2 dB.
fn read_rise(env: &[(usize, f64)], valley_by_s: f64, win: usize, sr: f64) -> Option<Rise> {
    let before = env
        .iter()
        .take_while(|(i, _)| (*i as f64) / sr <= valley_by_s)
        .count()
        .max(1);
    let (base_at, base) =
        env[..before]
            .iter()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |a, (k, (_, e))| if *e < a.1 { (k, *e) } else { a },
            );
    let (peak_at, peak) =
        env[base_at..]
            .iter()
            .enumerate()
            .fold((base_at, 0.0f64), |a, (k, (_, e))| {
                if *e > a.1 { (base_at + k, *e) } else { a }
            });
    if peak <= base * 1.26 {
        return None;
    }
    let rise = &env[base_at..=peak_at];
    // The window [i, i + win) first reaches a level about when its leading edge has passed
    // the attack (a step of height A reaches 10 % RMS after 1 % of the window); between two
    // steps the crossing is interpolated.
    let crossing = |share: f64| {
        let level = base + share * (peak - base);
        // The last upward crossing before the peak, not the first: a ringing note's envelope
        // beats, and a weak attack's low level is crossed by a beat before the attack.
        let k = rise
            .iter()
            .rposition(|(_, e)| *e < level)
            .map_or(0, |k| k + 1);
        let (i1, e1) = *rise.get(k)?;
        let at = match k.checked_sub(1).map(|j| rise[j]) {
            Some((i0, e0)) if e1 > e0 => i0 as f64 + (level - e0) / (e1 - e0) * (i1 - i0) as f64,
            _ => i1 as f64,
        };
        Some((at + win as f64) / sr)
    };
    let time_s = match (crossing(LOW_SHARE), crossing(HIGH_SHARE)) {
        // A pick reaches 20 % of its rise a millisecond or so after 7 %: much later, and the
        // 7 % point was a ringing note's swell or noise before the pick, not the pick.
        (Some(low), Some(high)) if high - low > SLOW_RISE_S => Some(high - PICK_RISE_S),
        // A plucked attack takes a millisecond or more to rise: the line through its 7 % and
        // 20 % points, followed back to where it started, finds the start that a threshold
        // alone places late (on a step, where the threshold is already exact, the line lands a
        // fraction of a millisecond early). At most 2 ms back: a slower rise is a swell, whose
        // start is no sharper than its threshold.
        (Some(low), Some(high)) if high > low => {
            let back = (high - low) * LOW_SHARE / (HIGH_SHARE - LOW_SHARE);
            Some(low - back.min(MAX_EXTRAPOLATION_S))
        }
        (low, _) => low,
    };
    Some(Rise {
        time_s,
        rise_db: 20.0 * (peak / base.max(1e-12)).log10(),
        base_at,
    })
}

/// The RMS envelope at the same steps as `env`, over only the frequency bins whose power at step
/// `after` is at least 6 dB above their power at the first step (rectangular windows, so over
/// all bins it is `env` itself). None when no bin rises.
fn rising_bins_envelope(
    samples: &[f32],
    env: &[(usize, f64)],
    after: usize,
    win: usize,
) -> Option<Vec<(usize, f64)>> {
    let n = win.next_power_of_two();
    let fft = crate::rfft::forward(n);
    let mut input = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut scratch = fft.make_scratch_vec();
    let mut power = |i: usize| -> Option<Vec<f32>> {
        input[..win].copy_from_slice(samples.get(i..i + win)?);
        input[win..].fill(0.0);
        fft.process_with_scratch(&mut input, &mut spectrum, &mut scratch)
            .ok()?;
        Some(spectrum.iter().map(|c| c.norm_sqr()).collect())
    };
    let first = power(env.first()?.0)?;
    let later = power(env.get(after)?.0)?;
    let rising: Vec<usize> = (0..first.len())
        .filter(|&k| later[k] > 4.0 * first[k])
        .collect();
    if rising.is_empty() {
        return None;
    }
    let scale = 1.0 / (n as f64 * win as f64);
    env.iter()
        .map(|&(i, _)| {
            let p = power(i)?;
            let e: f64 = rising.iter().map(|&k| f64::from(p[k])).sum();
            Some((i, (e * scale).sqrt()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f64 = 22_050.0;

    /// Reads the rise of an RMS envelope given as one level per 0.5 ms step: the step its
    /// start falls on, and the rise in dB.
    fn rise_in_steps(levels: &[f64]) -> (f64, f64) {
        let step = (0.0005 * SR) as usize;
        let env: Vec<(usize, f64)> = levels
            .iter()
            .enumerate()
            .map(|(k, e)| (k * step, *e))
            .collect();
        let win = (0.012 * SR) as usize;
        let rise = read_rise(&env, 1.0, win, SR).expect("a rise of 2 dB or more");
        let start = rise.time_s.expect("a start") * SR - win as f64;
        ((start / step as f64).round(), rise.rise_db)
    }

    #[test]
    fn a_weak_attack_starts_after_the_ringing_notes_beat_not_at_it() {
        // An RMS envelope in 0.5 ms steps (sample index, level): the ringing note dips to its
        // valley at step 5, beats up over the 7 % level (steps 8–11) and back under it, and the
        // attack climbs from step 20 to twice the level (6 dB).
        let levels: Vec<f64> = (0..60)
            .map(|k| match k {
                0..5 => 1.1,
                5 => 1.0,
                8..12 => 1.2,
                20..30 => 1.0 + f64::from(k - 19) * 0.1,
                30.. => 2.0,
                _ => 1.02,
            })
            .collect();
        let (start_step, rise_db) = rise_in_steps(&levels);
        assert!(
            (18.0..=20.0).contains(&start_step),
            "start at step {start_step}"
        );
        assert!((rise_db - 6.02).abs() < 0.01, "{rise_db}");
    }

    #[test]
    fn a_swell_before_a_pick_is_not_its_start() {
        // An RMS envelope in 0.5 ms steps: a valley at step 5, a slow swell (a chorus or noise
        // on the ringing note) to 15 % of the rise by step 60, then the pick, which takes the
        // level from 1.15 to 2.0 within 5 steps. The swell crosses the 7 % level 15 ms early.
        let levels: Vec<f64> = (0..100)
            .map(|k| match k {
                0..5 => 1.1,
                5 => 1.0,
                6..60 => 1.0 + 0.15 * f64::from(k - 5) / 55.0,
                60..65 => 1.15 + 0.17 * f64::from(k - 59),
                _ => 2.0,
            })
            .collect();
        let (start_step, _) = rise_in_steps(&levels);
        assert!(
            (57.0..=61.0).contains(&start_step),
            "start at step {start_step}"
        );
    }

    /// G3 rings; at `t0` it is damped over `damp_s` while a softer A3 is picked, reaching its
    /// level over `rise_s`.
    fn damped_then_picked(t0: f64, damp_s: f64, rise_s: f64, level: f64) -> Vec<f32> {
        let tau = std::f64::consts::TAU;
        (0..(SR as usize))
            .map(|i| {
                let t = i as f64 / SR;
                let ring =
                    0.25 * (tau * 196.0 * t).sin() * ((t0 + damp_s - t) / damp_s).clamp(0.0, 1.0);
                let dt = t - t0;
                let pick = if dt >= 0.0 {
                    let a = (dt / rise_s).min(1.0) * (-dt * 2.0).exp();
                    level * a * ((tau * 220.0 * dt).sin() + 0.5 * (tau * 440.0 * dt).sin())
                } else {
                    0.0
                };
                (ring + pick) as f32
            })
            .collect()
    }

    #[test]
    fn a_soft_pick_as_the_last_note_is_damped_starts_at_the_pick() {
        // G3 damped over 50 ms from 0.5 s while A3 is picked there, reaching its level in
        // 10 ms: the whole band dips and climbs back 3.5 dB, its 7 % point 30 ms late.
        let samples = damped_then_picked(0.5, 0.05, 0.01, 0.3);
        let (env, win) = envelope(&samples, SR, 0.5, Band::Full).expect("audio");
        let full = read_rise(&env, 0.51, win, SR).expect("a rise");
        assert!(full.rise_db < WEAK_RISE_DB, "{}", full.rise_db);
        assert!(full.time_s.is_some_and(|t| t > 0.52), "{:?}", full.time_s);
        // The A3's own bins place it.
        let Reading::Attack(attack) = refine(&samples, SR as u32, 0.5) else {
            panic!("no attack")
        };
        assert!((attack.time_s - 0.5).abs() < 0.004, "{attack:?}");
    }

    /// One second of G3 (five partials) at level `g3(t)`, with C4 picked at 0.5 s at `c4` times
    /// G3's base level, its attack 2 ms long.
    fn c4_picked_over_g3(g3: impl Fn(f64) -> f64, c4: f64) -> Vec<f32> {
        let tau = std::f64::consts::TAU;
        let partials = |f: f64, t: f64| -> f64 {
            (1..=5)
                .map(f64::from)
                .map(|k| (tau * f * k * t).sin() / k)
                .sum()
        };
        (0..SR as usize)
            .map(|i| {
                let t = i as f64 / SR;
                let picked = if t < 0.5 {
                    0.0
                } else {
                    ((t - 0.5) / 0.002).min(1.0) * c4 * partials(261.63, t)
                };
                (0.05 * (g3(t) * partials(196.0, t) + picked)) as f32
            })
            .collect()
    }

    #[test]
    fn a_ringing_notes_swell_moves_the_attack_reading_but_not_the_new_notes_own() {
        // G3 rings, swelling 9.5 dB over the 100 ms before 0.5 s (a chorus's sweep); at 0.5 s C4
        // is picked a little under the G3's level, which rings on. The whole band's rise is
        // mostly the swell, and its start is read 12 ms before the pick; the C4's own
        // partials rise at it.
        let samples = c4_picked_over_g3(|t| 1.0 + 2.0 * ((t - 0.4) / 0.1).clamp(0.0, 1.0), 2.0);
        let (env, win) = envelope(&samples, SR, 0.5, Band::Full).expect("audio");
        let full = read_rise(&env, 0.51, win, SR).expect("a rise");
        assert!(
            full.time_s.is_some_and(|t| (t - 0.5).abs() > 0.010),
            "{:?}",
            full.time_s
        );
        let own = own_bins_onset(&samples, SR as u32, 0.5).expect("the C4's bins rise");
        assert!((own - 0.5).abs() < 0.004, "{own}");
    }

    #[test]
    fn a_start_read_45_ms_late_gets_its_second_reading_from_before_it() {
        // G3 rings; C4 is picked at 0.5 s under it. A start read 45 ms late (the pitch track's,
        // under chorus) finds C4 already sounding in the window after it; the window before it
        // holds C4's rise.
        let samples = c4_picked_over_g3(|_| 1.0, 1.0);
        assert_eq!(
            rising_bins_onset(&samples, SR as u32, 0.545 + WEAK_ANCHOR_S, 0),
            None
        );
        let own = own_bins_onset(&samples, SR as u32, 0.545).expect("the C4's bins rise");
        assert!((own - 0.5).abs() < 0.004, "{own}");
    }

    #[test]
    fn a_level_step_is_not_an_attack_and_a_repick_is() {
        // A3 with five partials, picked at 0.2 s; at 1.0 s the whole signal steps up 9 dB (a
        // volume pedal); at 1.8 s the string is picked again, its top fresh.
        let tau = std::f64::consts::TAU;
        let pick = |dt: f64, k: f64| (-dt * (0.5 + 0.3 * k)).exp() / k;
        let samples: Vec<f32> = (0..(3 * SR as usize))
            .map(|i| {
                let t = i as f64 / SR;
                let (since, gain) = match t {
                    t if t < 0.2 => return 0.0,
                    t if t < 1.0 => (t - 0.2, 1.0),
                    t if t < 1.8 => (t - 0.2, 2.82),
                    t => (t - 1.8, 2.82),
                };
                let tone: f64 = (1..=5)
                    .map(f64::from)
                    .map(|k| pick(since, k) * (tau * 220.0 * k * t).sin())
                    .sum();
                (0.08 * gain * tone) as f32
            })
            .collect();
        let (_, attacks) = onsets(&samples, SR as u32, 128);
        let times: Vec<f64> = attacks
            .iter()
            .map(|a| (a.time_s * 100.0).round() / 100.0)
            .collect();
        assert_eq!(times.len(), 2, "{attacks:?}");
        assert!(
            (times[0] - 0.2).abs() <= 0.01 && (times[1] - 1.8).abs() <= 0.01,
            "{attacks:?}"
        );
    }

    #[test]
    fn a_level_step_30_ms_before_a_pick_is_not_an_attack_and_the_pick_is() {
        // A3 (five partials) picked at 0.2 s; at 1.0 s the whole signal steps up 18 dB, and
        // 30 ms later C4 is picked as the A3 stops. The band comparison cannot tell the step
        // (its frames reach the pick); the wave across it goes on unchanged, only louder.
        let tau = std::f64::consts::TAU;
        let tone = |f: f64, dt: f64| -> f64 {
            (1..=5)
                .map(f64::from)
                .map(|k| (-dt * (0.5 + 0.3 * k)).exp() / k * (tau * f * k * dt).sin())
                .sum()
        };
        let samples: Vec<f32> = (0..(2 * SR as usize))
            .map(|i| {
                let t = i as f64 / SR;
                let gain = if t < 1.0 { 1.0 } else { 7.94 };
                let wave = match t {
                    t if t < 0.2 => 0.0,
                    t if t < 1.03 => tone(220.0, t - 0.2),
                    t => tone(261.63, t - 1.03),
                };
                (0.01 * gain * wave) as f32
            })
            .collect();
        let (_, attacks) = onsets(&samples, SR as u32, 128);
        assert_eq!(attacks.len(), 2, "{attacks:?}");
        assert!(
            (attacks[0].time_s - 0.2).abs() <= 0.005 && (attacks[1].time_s - 1.03).abs() <= 0.005,
            "{attacks:?}"
        );
    }

    /// A3 (five partials) picked at 0.2 s and decaying; where `again` is given, picked again
    /// then at a quarter of its first level: the wave starts over (off the old wave's phase), and
    /// the level falls.
    fn a3_picked(again: Option<f64>) -> Vec<f32> {
        let tau = std::f64::consts::TAU;
        let tone = |dt: f64| -> f64 {
            (1..=5)
                .map(f64::from)
                .map(|k| (-dt * (1.0 + 2.0 * k)).exp() / k * (tau * 220.0 * k * dt).sin())
                .sum()
        };
        (0..SR as usize)
            .map(|i| {
                let t = i as f64 / SR;
                let wave = match again {
                    _ if t < 0.2 => 0.0,
                    Some(r) if t >= r => 0.25 * tone(t - r),
                    _ => tone(t - 0.2),
                };
                (0.1 * wave) as f32
            })
            .collect()
    }

    #[test]
    fn a_string_picked_again_at_the_same_pitch_is_a_restrike_and_a_held_one_is_not() {
        let again = restrikes(&a3_picked(Some(0.601)), SR as u32, 0.2, 0.95, 220.0);
        assert_eq!(again.len(), 1, "{again:?}");
        assert!((again[0] - 0.601).abs() < 0.006, "{again:?}");
        // The level falls at the restrike: the attacks do not hear it.
        let (_, attacks) = onsets(&a3_picked(Some(0.601)), SR as u32, 128);
        assert!(
            attacks.iter().all(|a| (a.time_s - 0.6).abs() > 0.05),
            "{attacks:?}"
        );
        assert_eq!(
            restrikes(&a3_picked(None), SR as u32, 0.2, 0.95, 220.0),
            Vec::<f64>::new()
        );
    }

    #[test]
    fn a_click_30_ms_before_the_strings_body_starts_the_attack() {
        // A3 rings; at 0.5 s a pick's click (a 6 kHz burst, 40 dB under the A3) starts, and
        // the new note's body (C4, louder than the A3) swells in from 0.53 s, as a sampled
        // guitar's can. The whole band rises with the body; the top of the spectrum with the
        // click.
        let tau = std::f64::consts::TAU;
        let samples: Vec<f32> = (0..SR as usize)
            .map(|i| {
                let t = i as f64 / SR;
                let ring = 0.1 * (tau * 220.0 * t).sin();
                let click = if (0.5..0.56).contains(&t) {
                    0.001 * (tau * 6000.0 * t).sin()
                } else {
                    0.0
                };
                let body = 0.4 * ((t - 0.53) / 0.004).clamp(0.0, 1.0) * (tau * 261.63 * t).sin();
                (ring + click + body) as f32
            })
            .collect();
        let (env, win) = envelope(&samples, SR, 0.53, Band::Full).expect("audio");
        let full = read_rise(&env, 0.54, win, SR).expect("a rise");
        assert!(full.time_s.is_some_and(|t| t > 0.525), "{:?}", full.time_s);
        let Reading::Attack(attack) = refine(&samples, SR as u32, 0.53) else {
            panic!("no attack")
        };
        assert!((attack.time_s - 0.5).abs() < 0.004, "{attack:?}");
    }

    #[test]
    fn a_pick_over_a_louder_ringing_note_is_an_attack() {
        // A low A rings at full level; at 0.5 s a soft high note is picked over it (a 3 ms click
        // and an E5 at a tenth of the level): the whole band rises under 2 dB, the high band
        // by far more.
        let t0 = 0.5;
        let samples: Vec<f32> = (0..(SR as usize))
            .map(|i| {
                let t = i as f64 / SR;
                let ring = 0.5 * (2.0 * std::f64::consts::PI * 110.0 * t).sin();
                let dt = t - t0;
                let pick = if dt >= 0.0 {
                    let click = if dt < 0.003 {
                        0.1 * (1.0 - dt / 0.003) * (-1f64).powi(i as i32)
                    } else {
                        0.0
                    };
                    click
                        + 0.05 * (2.0 * std::f64::consts::PI * 659.3 * dt).sin() * (-dt * 3.0).exp()
                } else {
                    0.0
                };
                (ring + pick) as f32
            })
            .collect();
        let (env, win) = envelope(&samples, SR, t0 + 0.005, Band::Full).expect("audio");
        assert!(
            read_rise(&env, t0 + 0.015, win, SR).is_none(),
            "the whole band rises"
        );
        let Reading::Attack(attack) = refine(&samples, SR as u32, t0 + 0.005) else {
            panic!("no attack")
        };
        assert!((attack.time_s - t0).abs() < 0.003, "{attack:?}");
        assert_eq!(attack.rise_db, 0.0);
    }

    /// `secs` of a 110 Hz tone whose amplitude is `amp(t)` (t in s from its start), after
    /// `lead` s of `lead_amp` at 220 Hz (0 for silence), at 22.05 kHz.
    fn tone(lead: f64, lead_amp: f32, secs: f64, amp: impl Fn(f64) -> f32) -> Vec<f32> {
        let sine = |hz: f64, k: usize| (std::f64::consts::TAU * hz * k as f64 / SR).sin() as f32;
        let n_lead = (lead * SR) as usize;
        (0..n_lead)
            .map(|k| lead_amp * sine(220.0, k))
            .chain((0..(secs * SR) as usize).map(|k| amp(k as f64 / SR) * sine(110.0, k)))
            .collect()
    }

    #[test]
    fn a_body_after_a_soft_pre_attack_is_read_only_out_of_silence() {
        let rate = SR as u32;
        // 28 ms at a tenth of the body's level (-20 dB), then the body: read at the body.
        let x = tone(0.3, 0.0, 0.5, |t| if t < 0.028 { 0.05 } else { 0.5 });
        let body = body_after_preattack(&x, rate, 0.3).expect("a body after the pre-attack");
        assert!((body - 0.328).abs() <= 0.003, "{body}");
        // A pick: full level at once, then a decay. No second start.
        let x = tone(0.3, 0.0, 0.5, |t| 0.5 * (-t * 4.0).exp() as f32);
        assert_eq!(body_after_preattack(&x, rate, 0.3), None);
        // A slow swell: the level climbs steadily over 40 ms; no flat stretch, no step.
        let x = tone(0.3, 0.0, 0.5, |t| 0.5 * (t / 0.04).min(1.0) as f32);
        assert_eq!(body_after_preattack(&x, rate, 0.3), None);
        // The same pre-attack and body after another note still ringing: not out of silence.
        let x = tone(0.3, 0.2, 0.5, |t| if t < 0.028 { 0.05 } else { 0.5 });
        assert_eq!(body_after_preattack(&x, rate, 0.3), None);
    }
}
