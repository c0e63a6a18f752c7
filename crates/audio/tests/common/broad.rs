//! The broadened evaluation set (issue 14): phrases the engine was never tuned on, rendered
//! through three SoundFonts and real recorded guitar notes under conditions the older sets lack
//! (sixteenths up to 200 bpm, hammer-ons and pull-offs without a new attack, slides, bends of ½,
//! 1 and 1½ tones, drop D and a 7-string's low B, the top of the neck, white/pink/hum/room noise
//! at 20, 10 and 5 dB, reverb, chorus, a fade-in, level jumps), with exact labels, and split into
//! a tuning part and a held-out third by a committed seed.
//!
//! Everything is drawn from [`SEED`]: the same clips, the same labels and the same split on
//! every machine that has the same SoundFonts and recordings. A clip's part depends only on its
//! name, so a missing SoundFont removes its clips without moving any other clip between parts.
#![allow(dead_code)]

use std::sync::Arc;

use rustysynth::SoundFont;

use super::metrics::f_measure;
use super::recorded::{self, Instrument};
use super::soundfont::{self, Event};
use super::{SR, midi_hz};

/// The committed seed: the clips, their material and the held-out third all come from it.
pub const SEED: u64 = 0x14_2026_1205;

/// The SoundFonts of the broadened set, by the name used in clip names and their Debian files.
pub const FONTS: [(&str, &str); 3] = [
    ("fluid", "/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    ("timgm", "/usr/share/sounds/sf2/TimGM6mb.sf2"),
    (
        "musescore",
        "/usr/share/sounds/sf2/MuseScore_General_Full.sf2",
    ),
];

/// Which part of the set a clip is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Looked at clip by clip while changing code.
    Tuning,
    /// Never looked at clip by clip: only its totals are reported.
    HeldOut,
}

/// One labelled note: where its sound (or, for a hammer-on, pull-off or slide, its new pitch)
/// starts, where it ends, its MIDI pitch and, for a bent note, the bend in semitones over
/// absolute time (held at both ends).
#[derive(Clone, Debug)]
pub struct TruthNote {
    pub onset: f64,
    pub end: f64,
    pub midi: f64,
    pub bend: Vec<(f64, f64)>,
}

impl TruthNote {
    /// Unbent notes from a renderer's `(onset, duration, Hz)` ground truth.
    pub fn from_score(score: &super::Score) -> Vec<TruthNote> {
        score
            .iter()
            .map(|&(on, dur, hz)| TruthNote {
                onset: on,
                end: on + dur,
                midi: fretwise_theory::midi_of_hz(hz, 440.0),
                bend: Vec::new(),
            })
            .collect()
    }

    /// The true pitch (MIDI, fractional) at time `t` inside the note.
    pub fn midi_at(&self, t: f64) -> f64 {
        if self.bend.is_empty() {
            self.midi
        } else {
            self.midi + soundfont::interpolate(&self.bend, t)
        }
    }
}

/// One clip of the set.
pub struct Clip {
    /// Unique and stable ("fluid steel / sixteenths 184 bpm / pink 10 dB").
    pub name: String,
    /// The material ("sixteenths", "legato", …).
    pub material: &'static str,
    /// The recording condition ("clean", "white 10 dB", "reverb", …).
    pub condition: &'static str,
    /// The sound source ("fluid steel", "recorded nylon").
    pub source: String,
    pub part: Part,
    /// Mono at [`SR`].
    pub audio: Vec<f32>,
    pub notes: Vec<TruthNote>,
    /// The phrase's tempo (quarter notes per minute).
    pub tempo_bpm: f64,
}

/// A small seeded generator (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }

    /// Gaussian, mean 0, deviation 1 (Box–Muller).
    pub fn gauss(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// FNV-1a of a clip's name: its part does not depend on the order clips are made in.
pub fn name_hash(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A third of the clips, chosen by the seed and the clip's name.
pub fn part_of(name: &str) -> Part {
    if Rng::new(SEED ^ name_hash(name))
        .next_u64()
        .is_multiple_of(3)
    {
        Part::HeldOut
    } else {
        Part::Tuning
    }
}

/// One played note of a phrase before rendering: a picked note (with its note-on time) and
/// the pitches it moves to without a new pick (hammer-ons, pull-offs, slides) or a bend.
#[derive(Clone, Debug)]
struct Played {
    onset: f64,
    dur: f64,
    key: u8,
    velocity: u8,
    /// (seconds after the note-on, semitones from `key`, seconds per fret): a hammer-on or
    /// pull-off is one step (0 s per fret); a slide passes every fret on the way, dwelling on
    /// each for that long, as a finger sliding along the frets does.
    moves: Vec<(f64, f64, f64)>,
    /// A bend: (start after the note-on, rise s, semitones, hold s, release s).
    bend: Option<(f64, f64, f64, f64, f64)>,
}

impl Played {
    fn plain(onset: f64, dur: f64, key: u8) -> Self {
        Self {
            onset,
            dur,
            key,
            velocity: 100,
            moves: Vec::new(),
            bend: None,
        }
    }

    /// The pitch-bend curve (seconds after the note-on → semitones) rustysynth renders.
    fn curve(&self) -> Vec<(f64, f64)> {
        let mut c = Vec::new();
        if !self.moves.is_empty() {
            let mut at = 0.0;
            c.push((0.0, 0.0));
            for &(t, semis, glide) in &self.moves {
                // The previous pitch holds until each step; a hammer-on or pull-off changes
                // pitch at once, a slide one fret at a time.
                let frets = if glide > 0.0 {
                    (semis - at).abs().round().max(1.0) as usize
                } else {
                    1
                };
                for f in 1..=frets {
                    let v = if f == frets {
                        semis
                    } else {
                        at + (semis - at).signum() * f as f64
                    };
                    let before = if f == 1 {
                        at
                    } else {
                        at + (semis - at).signum() * (f - 1) as f64
                    };
                    let when = on_block(t + (f - 1) as f64 * glide);
                    c.push((when - 1e-6, before));
                    c.push((when, v));
                }
                at = semis;
            }
        } else if let Some((start, rise, semis, hold, release)) = self.bend {
            c = vec![
                (0.0, 0.0),
                (start, 0.0),
                (start + rise, semis),
                (start + rise + hold, semis),
                (start + rise + hold + release, 0.0),
            ];
        }
        c
    }

    /// The labelled notes, the first starting at `sound_start` (where its sound starts).
    fn truth(&self, sound_start: f64) -> Vec<TruthNote> {
        let end = self.onset + self.dur;
        if let Some((start, rise, semis, hold, release)) = self.bend {
            let t0 = self.onset;
            return vec![TruthNote {
                onset: sound_start,
                end,
                midi: f64::from(self.key),
                bend: vec![
                    (t0, 0.0),
                    (t0 + start, 0.0),
                    (t0 + start + rise, semis),
                    (t0 + start + rise + hold, semis),
                    (t0 + start + rise + hold + release, 0.0),
                ],
            }];
        }
        let mut out = Vec::new();
        let mut from = sound_start;
        let mut semis_now = 0.0;
        for &(t, semis, glide) in &self.moves {
            let at = self.onset + t;
            out.push(TruthNote {
                onset: from,
                end: at,
                midi: f64::from(self.key) + semis_now,
                bend: Vec::new(),
            });
            // A slide's new note starts where it reaches its fret.
            let frets = if glide > 0.0 {
                (semis - semis_now).abs().round().max(1.0)
            } else {
                1.0
            };
            from = on_block(at + (frets - 1.0) * glide);
            semis_now = semis;
        }
        out.push(TruthNote {
            onset: from,
            end,
            midi: f64::from(self.key) + semis_now,
            bend: Vec::new(),
        });
        out
    }
}

/// Seconds of one 5 ms pitch-bend block of the renderer: steps land on its boundaries, so the
/// label is exactly where the pitch changes.
fn on_block(t: f64) -> f64 {
    let block = (0.005 * f64::from(SR)) as usize;
    let samples = (t * f64::from(SR) / block as f64).round() as usize * block;
    samples as f64 / f64::from(SR)
}

/// Scale steps (semitones from the tonic) of the phrases: major, natural minor, both
/// pentatonics and the blues scale.
const SCALES: [&[u8]; 5] = [
    &[0, 2, 4, 5, 7, 9, 11],
    &[0, 2, 3, 5, 7, 8, 10],
    &[0, 2, 4, 7, 9],
    &[0, 3, 5, 7, 10],
    &[0, 3, 5, 6, 7, 10],
];

/// The keys of a random scale inside `lo..=hi` (MIDI), keeping those `allowed` says.
pub fn scale_keys(rng: &mut Rng, lo: u8, hi: u8, allowed: &dyn Fn(u8) -> bool) -> Vec<u8> {
    let steps = *rng.pick(&SCALES);
    let tonic = rng.below(12) as u8;
    let keys: Vec<u8> = (lo..=hi)
        .filter(|k| steps.contains(&((k + 12 - tonic) % 12)) && allowed(*k))
        .collect();
    if keys.len() >= 3 {
        return keys;
    }
    // A recorded instrument with few notes in the range: every note it has there.
    (lo..=hi).filter(|k| allowed(*k)).collect()
}

/// A random walk over `keys`: mostly steps, sometimes a skip.
pub fn walk(rng: &mut Rng, keys: &[u8], n: usize) -> Vec<u8> {
    if keys.is_empty() {
        return Vec::new();
    }
    let mut i = rng.below(keys.len());
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(keys[i]);
        let step: i64 = match rng.below(10) {
            0..=3 => 1,
            4..=7 => -1,
            8 => 2,
            _ => -2,
        };
        let next = i as i64 + step;
        i = if next < 0 || next >= keys.len() as i64 {
            (i as i64 - step).clamp(0, keys.len() as i64 - 1) as usize
        } else {
            next as usize
        };
    }
    out
}

/// The materials, each a phrase generator: (name, whether a recording of separate notes can
/// play it, generator → (played notes, tempo, seconds)).
type Material = (
    &'static str,
    bool,
    fn(&mut Rng, &dyn Fn(u8) -> bool) -> Phrase,
);
type Phrase = (Vec<Played>, f64, f64);

const START: f64 = 0.25;

/// Notes on a grid of `per_beat` notes per quarter at `bpm`, each held to the next, played as a
/// player does: the beat accented (velocity about 112 against 84; without accents an even
/// stream of notes has no beat to find) and each note a few ms off the grid (labels follow).
fn grid(rng: &mut Rng, keys: &[u8], bpm: f64, per_beat: f64) -> Phrase {
    let step = 60.0 / bpm / per_beat;
    let onsets: Vec<f64> = (0..keys.len())
        .map(|i| START + i as f64 * step + (rng.gauss() * 0.004).clamp(-0.01, 0.01))
        .collect();
    let notes = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let next = onsets.get(i + 1).copied().unwrap_or(onsets[i] + step);
            let on_beat = i % per_beat as usize == 0;
            let base = if on_beat { 112.0 } else { 84.0 };
            let mut p = Played::plain(onsets[i], next - onsets[i], *k);
            p.velocity = (base + rng.gauss() * 5.0).clamp(60.0, 127.0) as u8;
            p
        })
        .collect();
    (notes, bpm, START + keys.len() as f64 * step + 0.6)
}

fn eighths(rng: &mut Rng, ok: &dyn Fn(u8) -> bool) -> Phrase {
    let bpm = rng.range(70.0, 150.0).round();
    let keys = scale_keys(rng, 45, 76, ok);
    let n = ((5.0 / (30.0 / bpm)) as usize).max(8);
    let keys = walk(rng, &keys, n);
    grid(rng, &keys, bpm, 2.0)
}

fn sixteenths(rng: &mut Rng, ok: &dyn Fn(u8) -> bool) -> Phrase {
    let bpm = rng.range(150.0, 200.0).round();
    let keys = scale_keys(rng, 50, 79, ok);
    let n = (5.0 / (15.0 / bpm)) as usize;
    let keys = walk(rng, &keys, n);
    grid(rng, &keys, bpm, 4.0)
}

fn triplets(rng: &mut Rng, ok: &dyn Fn(u8) -> bool) -> Phrase {
    let bpm = rng.range(100.0, 160.0).round();
    let keys = scale_keys(rng, 48, 79, ok);
    let n = (5.0 / (20.0 / bpm)) as usize;
    let keys = walk(rng, &keys, n);
    grid(rng, &keys, bpm, 3.0)
}

fn high_register(rng: &mut Rng, ok: &dyn Fn(u8) -> bool) -> Phrase {
    let bpm = rng.range(80.0, 130.0).round();
    let keys = scale_keys(rng, 76, 88, ok);
    let n = ((5.0 / (30.0 / bpm)) as usize).max(8);
    let keys = walk(rng, &keys, n);
    grid(rng, &keys, bpm, 2.0)
}

/// A riff around the low open strings: standard, drop D (D2) or a 7-string's low B (B1).
fn open_strings(rng: &mut Rng, ok: &dyn Fn(u8) -> bool) -> Phrase {
    let tuning: &[u8] = match rng.below(3) {
        0 => &[40, 45, 50],
        1 => &[38, 45, 50],
        _ => &[35, 40, 45],
    };
    let bpm = rng.range(80.0, 140.0).round();
    let lowest = tuning[0];
    let keys: Vec<u8> = (lowest..=lowest + 12).filter(|k| ok(*k)).collect();
    let mut riff = Vec::new();
    let n = ((5.0 / (30.0 / bpm)) as usize).max(8);
    for i in 0..n {
        // The open string on every other eighth, fretted notes and the other open strings
        // between.
        let k = if i % 2 == 0 && ok(lowest) {
            lowest
        } else if rng.below(3) == 0 {
            *rng.pick(tuning)
        } else {
            *rng.pick(&keys)
        };
        riff.push(k);
    }
    grid(rng, &riff, bpm, 2.0)
}

/// Picked notes each followed by one to three hammer-ons or pull-offs on the same string
/// (steps of 1–3 semitones, no new attack), in eighths or sixteenths.
fn legato(rng: &mut Rng, _ok: &dyn Fn(u8) -> bool) -> Phrase {
    let bpm = rng.range(90.0, 150.0).round();
    let per_beat = if rng.below(2) == 0 { 2.0 } else { 4.0 };
    let step = 60.0 / bpm / per_beat;
    let mut notes = Vec::new();
    let mut t = START;
    let mut key = rng.range(50.0, 70.0) as u8;
    while t < START + 5.0 {
        let group = 1 + rng.below(3);
        let mut moves = Vec::new();
        let mut semis = 0.0;
        for g in 1..=group {
            let up = rng.below(2) == 0;
            let size = 1.0 + rng.below(3) as f64;
            semis += if up { size } else { -size };
            moves.push((on_block(g as f64 * step), semis, 0.0));
        }
        let dur = (group + 1) as f64 * step;
        notes.push(Played {
            onset: t,
            dur,
            key,
            velocity: 100,
            moves,
            bend: None,
        });
        t += dur;
        key =
            (i32::from(key) + semis as i32 + *rng.pick(&[-5, -3, -2, 2, 3, 5])).clamp(45, 76) as u8;
    }
    (notes, bpm, t + 0.6)
}

/// Notes joined by slides of 2–5 frets (20–35 ms on each fret) and picked notes between.
fn slides(rng: &mut Rng, _ok: &dyn Fn(u8) -> bool) -> Phrase {
    let bpm = rng.range(70.0, 120.0).round();
    let step = 60.0 / bpm / 2.0;
    let mut notes = Vec::new();
    let mut t = START;
    let mut key = rng.range(50.0, 70.0) as u8;
    while t < START + 5.0 {
        let semis = f64::from(2 + rng.below(4) as u8) * if rng.below(2) == 0 { 1.0 } else { -1.0 };
        let per_fret = rng.range(0.02, 0.035);
        let glide = semis.abs() * per_fret;
        notes.push(Played {
            onset: t,
            dur: 2.0 * step,
            key,
            velocity: 100,
            moves: vec![(on_block(step - glide / 2.0), semis, per_fret)],
            bend: None,
        });
        t += 2.0 * step;
        if rng.below(2) == 0 {
            let k = (f64::from(key) + semis + 2.0).clamp(45.0, 76.0) as u8;
            notes.push(Played::plain(t, step, k));
            t += step;
        }
        key = (i32::from(key) + *rng.pick(&[-4, -2, 2, 4])).clamp(45, 72) as u8;
    }
    (notes, bpm, t + 0.6)
}

/// Quarter notes, every other one bent up ½, 1 or 1½ tones and released.
fn bends(rng: &mut Rng, _ok: &dyn Fn(u8) -> bool) -> Phrase {
    let bpm = rng.range(60.0, 100.0).round();
    let beat = 60.0 / bpm;
    let mut notes = Vec::new();
    let mut t = START;
    let mut i = 0;
    while t < START + 5.0 {
        let key = rng.range(55.0, 74.0) as u8;
        if i % 2 == 1 {
            let semis = *rng.pick(&[1.0, 2.0, 3.0]);
            let rise = rng.range(0.08, 0.2);
            let hold = rng.range(0.15, 0.4);
            let mut p = Played::plain(t, 2.0 * beat, key);
            p.bend = Some((0.1, rise, semis, hold, rng.range(0.1, 0.2)));
            notes.push(p);
            t += 2.0 * beat;
        } else {
            notes.push(Played::plain(t, beat, key));
            t += beat;
        }
        i += 1;
    }
    (notes, bpm, t + 0.6)
}

/// The materials: (name, playable from separate recorded notes, generator).
const MATERIALS: [Material; 8] = [
    ("eighths", true, eighths),
    ("sixteenths", true, sixteenths),
    ("triplets", true, triplets),
    ("high register", true, high_register),
    ("open strings", true, open_strings),
    ("legato", false, legato),
    ("slides", false, slides),
    ("bends", false, bends),
];

/// The conditions, applied in turn to a material's clips.
pub const CONDITIONS: [&str; 17] = [
    "clean",
    "white 20 dB",
    "pink 10 dB",
    "reverb",
    "hum 10 dB",
    "clean",
    "white 10 dB",
    "chorus",
    "pink 20 dB",
    "fade-in",
    "white 5 dB",
    "reverb + chorus",
    "room 10 dB",
    "level jumps",
    "pink 5 dB",
    "hum 5 dB",
    "room 20 dB",
];

/// A sound source: a SoundFont program or a set of recorded notes.
pub enum Source<'a> {
    Font(&'a Arc<SoundFont>, u8),
    Recorded(&'a Instrument),
}

/// Every SoundFont guitar program, then every recorded instrument, with its name in clips
/// ("fluid steel", "recorded nylon").
pub fn sources<'a>(
    fonts: &'a [(String, Arc<SoundFont>)],
    instruments: &'a [Instrument],
) -> Vec<(String, Source<'a>)> {
    let mut out = Vec::new();
    for (font, sf) in fonts {
        for (guitar, program) in soundfont::GUITARS {
            out.push((format!("{font} {guitar}"), Source::Font(sf, program)));
        }
    }
    for inst in instruments {
        out.push((format!("recorded {}", inst.name), Source::Recorded(inst)));
    }
    out
}

/// The whole set: every material through every source (SoundFont programs, and recorded
/// instruments for the materials they can play), each with the next condition of
/// [`CONDITIONS`]. `fonts` are the loaded SoundFonts by name; missing ones just give no clips.
pub fn clips(fonts: &[(String, Arc<SoundFont>)], instruments: &[Instrument]) -> Vec<Clip> {
    let mut out = Vec::new();
    let all = sources(fonts, instruments);
    for (m, &(material, recordable, make)) in MATERIALS.iter().enumerate() {
        let playable = all
            .iter()
            .filter(|(_, src)| recordable || matches!(src, Source::Font(..)));
        for (s, (source, src)) in playable.enumerate() {
            // Each clip's material and condition come from its own stream, so a missing
            // source changes no other clip.
            let mut rng = Rng::new(SEED ^ name_hash(material) ^ name_hash(source).rotate_left(17));
            let condition = CONDITIONS[(m * 5 + s) % CONDITIONS.len()];
            let (audio, notes, tempo) = match src {
                Source::Font(sf, program) => {
                    let (played, tempo, total) = make(&mut rng, &|_| true);
                    let (audio, notes) = render_font(sf, *program, &played, total);
                    (audio, notes, tempo)
                }
                Source::Recorded(inst) => {
                    let keys = inst.keys();
                    let (played, tempo, total) = make(&mut rng, &|k| keys.contains(&k));
                    let events: Vec<Event> = played
                        .iter()
                        .map(|p| Event {
                            velocity: p.velocity,
                            ..Event::plain(p.onset, p.dur, p.key)
                        })
                        .collect();
                    let (audio, score) = recorded::render(inst, &events, total);
                    let notes = TruthNote::from_score(&score);
                    (audio, notes, tempo)
                }
            };
            // A recorded instrument without notes in the material's range plays nothing.
            if notes.len() < 4 {
                continue;
            }
            let name = format!("{source} / {material} {tempo:.0} bpm / {condition}");
            let mut audio = audio;
            apply(condition, &mut audio, &notes, &mut rng);
            out.push(Clip {
                part: part_of(&name),
                name,
                material,
                condition,
                source: source.clone(),
                audio,
                notes,
                tempo_bpm: tempo,
            });
        }
    }
    out
}

/// Renders a phrase through a SoundFont program; labels start where each note's sound does.
fn render_font(
    font: &Arc<SoundFont>,
    program: u8,
    played: &[Played],
    total: f64,
) -> (Vec<f32>, Vec<TruthNote>) {
    let events: Vec<Event> = played
        .iter()
        .map(|p| Event {
            onset: p.onset,
            dur: p.dur,
            key: p.key,
            velocity: p.velocity,
            bend: p.curve(),
        })
        .collect();
    let (audio, score) = soundfont::render(font, program, &events, total);
    let mut notes = Vec::new();
    for (p, &(sound, _, _)) in played.iter().zip(&score) {
        notes.extend(p.truth(sound));
    }
    (audio, notes)
}

/// Power of `audio` over the spans where notes sound.
fn note_power(audio: &[f32], notes: &[TruthNote]) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for note in notes {
        let s = ((note.onset * f64::from(SR)) as usize).min(audio.len());
        let e = ((note.end * f64::from(SR)) as usize).min(audio.len());
        for x in &audio[s..e.max(s)] {
            sum += f64::from(*x).powi(2);
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

/// Adds `noise` scaled so that the notes' power is `snr_db` above it.
fn add_noise(audio: &mut [f32], notes: &[TruthNote], noise: &[f64], snr_db: f64) {
    let p_noise = noise.iter().map(|x| x * x).sum::<f64>() / noise.len().max(1) as f64;
    let gain = (note_power(audio, notes) / p_noise.max(1e-30) / 10f64.powf(snr_db / 10.0)).sqrt();
    for (x, n) in audio.iter_mut().zip(noise) {
        *x += (n * gain) as f32;
    }
}

pub fn white(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.gauss()).collect()
}

/// Pink noise (Paul Kellet's filter of white noise).
pub fn pink(rng: &mut Rng, n: usize) -> Vec<f64> {
    let mut b = [0.0f64; 7];
    (0..n)
        .map(|_| {
            let w = rng.gauss();
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.1538520;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            let v = b.iter().take(6).sum::<f64>() + b[6] + w * 0.5362;
            b[6] = w * 0.115926;
            v
        })
        .collect()
}

/// Mains hum: 50 or 60 Hz and its harmonics (odd ones stronger, as a transformer's buzz).
fn hum(rng: &mut Rng, n: usize) -> Vec<f64> {
    let f = if rng.below(2) == 0 { 50.0 } else { 60.0 };
    // 6.283, not TAU: the committed set was drawn with this bound.
    #[allow(clippy::approx_constant)]
    let phase: Vec<f64> = (0..8).map(|_| rng.range(0.0, 6.283)).collect();
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(SR);
            (1..=8)
                .map(|k| {
                    let a = if k % 2 == 1 { 1.0 } else { 0.4 } / k as f64;
                    a * (2.0 * std::f64::consts::PI * f * k as f64 * t + phase[k - 1]).sin()
                })
                .sum()
        })
        .collect()
}

/// A room's background: pink noise with hum 10 dB under it and a low rumble.
pub fn room(rng: &mut Rng, n: usize) -> Vec<f64> {
    let p = pink(rng, n);
    let h = hum(rng, n);
    let mut lp = 0.0;
    let w = white(rng, n);
    p.iter()
        .zip(&h)
        .zip(&w)
        .map(|((p, h), w)| {
            lp = 0.995 * lp + 0.005 * w;
            p + 0.3 * h + 20.0 * lp
        })
        .collect()
}

/// Schroeder reverb (four combs, two all-passes), RT60 about 1.2 s, mixed at 35 %.
fn reverb(audio: &mut [f32]) {
    let sr = f64::from(SR);
    let rt60 = 1.2;
    let combs: Vec<(usize, f64)> = [0.0297, 0.0371, 0.0411, 0.0437]
        .iter()
        .map(|d: &f64| ((d * sr) as usize, 10f64.powf(-3.0 * d / rt60)))
        .collect();
    let dry: Vec<f64> = audio.iter().map(|x| f64::from(*x)).collect();
    let mut wet = vec![0.0f64; dry.len()];
    for (d, g) in combs {
        let mut buf = vec![0.0f64; dry.len()];
        for i in 0..dry.len() {
            let fb = if i >= d { buf[i - d] } else { 0.0 };
            buf[i] = dry[i] + g * fb;
            wet[i] += buf[i] / 4.0;
        }
    }
    for (d, g) in [((0.005 * sr) as usize, 0.7), ((0.0017 * sr) as usize, 0.7)] {
        let input = wet.clone();
        for i in 0..wet.len() {
            let x_d = if i >= d { input[i - d] } else { 0.0 };
            let y_d = if i >= d { wet[i - d] } else { 0.0 };
            wet[i] = -g * input[i] + x_d + g * y_d;
        }
    }
    for (x, w) in audio.iter_mut().zip(&wet) {
        *x = (f64::from(*x) + 0.35 * w) as f32;
    }
}

/// A two-voice chorus: copies delayed 20 ms ± 4 ms by slow LFOs, mixed in at half level.
fn chorus(audio: &mut [f32]) {
    let sr = f64::from(SR);
    let dry: Vec<f32> = audio.to_vec();
    for (i, x) in audio.iter_mut().enumerate() {
        let t = i as f64 / sr;
        let mut v = f64::from(dry[i]);
        for (rate, phase) in [(0.8, 0.0), (1.1, 2.0)] {
            let delay =
                (0.020 + 0.004 * (2.0 * std::f64::consts::PI * rate * t + phase).sin()) * sr;
            let pos = i as f64 - delay;
            if pos >= 0.0 {
                let j = pos.floor() as usize;
                let frac = pos - j as f64;
                let a = f64::from(dry[j]);
                let b = f64::from(dry[(j + 1).min(dry.len() - 1)]);
                v += 0.5 * (a + (b - a) * frac);
            }
        }
        *x = (v / 1.5) as f32;
    }
}

/// Applies a recording condition in place.
pub fn apply(condition: &str, audio: &mut [f32], notes: &[TruthNote], rng: &mut Rng) {
    let n = audio.len();
    let noise_at = |kind: &str| -> Option<f64> {
        condition
            .strip_prefix(kind)
            .and_then(|r| r.trim().strip_suffix("dB"))
            .and_then(|v| v.trim().parse().ok())
    };
    if let Some(snr) = noise_at("white") {
        let noise = white(rng, n);
        add_noise(audio, notes, &noise, snr);
    } else if let Some(snr) = noise_at("pink") {
        let noise = pink(rng, n);
        add_noise(audio, notes, &noise, snr);
    } else if let Some(snr) = noise_at("hum") {
        let noise = hum(rng, n);
        add_noise(audio, notes, &noise, snr);
    } else if let Some(snr) = noise_at("room") {
        let noise = room(rng, n);
        add_noise(audio, notes, &noise, snr);
    } else {
        match condition {
            "reverb" => reverb(audio),
            "chorus" => chorus(audio),
            "reverb + chorus" => {
                chorus(audio);
                reverb(audio);
            }
            "fade-in" => {
                // From -40 dB to full level over the first 3 s.
                let len = (3.0 * f64::from(SR)) as usize;
                for (i, x) in audio.iter_mut().take(len).enumerate() {
                    *x *= 10f64.powf(-2.0 * (1.0 - i as f64 / len as f64)) as f32;
                }
            }
            "level jumps" => {
                // Steps of up to 18 dB every 1.1–1.7 s, as a player moving or a pedal switching.
                let mut at = 0usize;
                let mut db = 0.0;
                while at < n {
                    let len = (rng.range(1.1, 1.7) * f64::from(SR)) as usize;
                    let g = 10f64.powf(db / 20.0) as f32;
                    for x in audio.iter_mut().skip(at).take(len) {
                        *x *= g;
                    }
                    at += len;
                    db = *rng.pick(&[0.0, -6.0, -12.0, -18.0]);
                }
            }
            _ => {}
        }
    }
    let peak = audio.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if peak > 0.99 {
        for x in audio.iter_mut() {
            *x *= 0.99 / peak;
        }
    }
}

/// What one clip scored, mir_eval's way.
#[derive(Clone, Debug, Default)]
pub struct ClipScore {
    /// Reference-voiced frames (note edges excluded) and those right within 50 cents, and
    /// right within 50 cents ignoring the octave.
    pub voiced: usize,
    pub pitch_right: usize,
    pub chroma_right: usize,
    pub onset_f: f64,
    pub note_f: f64,
    /// Absolute onset errors of the notes matched for note F, ms.
    pub timing_errors_ms: Vec<f64>,
    pub tempo_right: bool,
    pub audio_s: f64,
}

impl ClipScore {
    pub fn rpa(&self) -> f64 {
        self.pitch_right as f64 / self.voiced.max(1) as f64
    }

    pub fn rca(&self) -> f64 {
        self.chroma_right as f64 / self.voiced.max(1) as f64
    }
}

/// Scores an analysis against a clip's labels: raw pitch and chroma accuracy over the labelled
/// notes' frames (the first and last 30 ms of each excluded), onset F at ±50 ms, note F (onset
/// ±50 ms, pitch ±50 cents, no offset criterion), the timing error of matched notes, and tempo
/// within 4 % of the truth or its double or half.
pub fn score(clip: &Clip, a: &fretwise_audio::Analysis) -> ClipScore {
    let hop = a.pitch_track.hop_s;
    let f0 = &a.pitch_track.f0_hz;
    let mut s = ClipScore {
        audio_s: clip.audio.len() as f64 / f64::from(SR),
        ..ClipScore::default()
    };
    for note in &clip.notes {
        let first = ((note.onset + 0.03) / hop).ceil().max(0.0) as usize;
        let last = ((note.end - 0.03) / hop).floor();
        if last < first as f64 {
            continue;
        }
        for i in first..=(last as usize) {
            s.voiced += 1;
            let Some(&est) = f0.get(i) else { continue };
            if est <= 0.0 {
                continue;
            }
            let want = midi_hz(note.midi_at(i as f64 * hop));
            let cents = 1200.0 * (est / want).log2();
            if cents.abs() <= 50.0 {
                s.pitch_right += 1;
            }
            let chroma = cents.rem_euclid(1200.0);
            if chroma <= 50.0 || chroma >= 1150.0 {
                s.chroma_right += 1;
            }
        }
    }
    // Onsets: greedy one-to-one matching, closest first per reference.
    let mut used = vec![false; a.onsets_s.len()];
    let mut hits = 0;
    for note in &clip.notes {
        if let Some(j) = (0..a.onsets_s.len())
            .filter(|&j| !used[j] && (a.onsets_s[j] - note.onset).abs() <= 0.05)
            .min_by(|&x, &y| {
                (a.onsets_s[x] - note.onset)
                    .abs()
                    .total_cmp(&(a.onsets_s[y] - note.onset).abs())
            })
        {
            used[j] = true;
            hits += 1;
        }
    }
    s.onset_f = f_measure(hits, a.onsets_s.len(), clip.notes.len());
    let mut used = vec![false; a.notes.len()];
    let mut note_hits = 0;
    for note in &clip.notes {
        let want = note.midi;
        if let Some(j) = (0..a.notes.len())
            .filter(|&j| {
                let n = &a.notes[j];
                !used[j]
                    && (n.onset_s - note.onset).abs() <= 0.05
                    && ((f64::from(n.midi) + n.cents / 100.0) - want).abs() <= 0.5
            })
            .min_by(|&x, &y| {
                (a.notes[x].onset_s - note.onset)
                    .abs()
                    .total_cmp(&(a.notes[y].onset_s - note.onset).abs())
            })
        {
            used[j] = true;
            note_hits += 1;
            s.timing_errors_ms
                .push((a.notes[j].onset_s - note.onset).abs() * 1000.0);
        }
    }
    s.note_f = f_measure(note_hits, a.notes.len(), clip.notes.len());
    s.tempo_right = [1.0, 2.0, 0.5]
        .iter()
        .any(|m| (a.tempo_bpm - clip.tempo_bpm * m).abs() <= 0.04 * clip.tempo_bpm * m);
    s
}

/// Means over clips, as the table reports them.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub clips: usize,
    pub rpa: f64,
    pub rca: f64,
    pub onset_f: f64,
    pub note_f: f64,
    pub tempo: f64,
    pub timing_mae_ms: f64,
}

/// Per-clip means of each metric (mir_eval reports per clip; the table averages them),
/// and the timing error over every matched note.
pub fn summarize<'a>(scores: impl IntoIterator<Item = &'a ClipScore>) -> Summary {
    let v: Vec<&ClipScore> = scores.into_iter().collect();
    let n = v.len().max(1) as f64;
    let errors: Vec<f64> = v
        .iter()
        .flat_map(|s| s.timing_errors_ms.iter().copied())
        .collect();
    Summary {
        clips: v.len(),
        rpa: v.iter().map(|s| s.rpa()).sum::<f64>() / n,
        rca: v.iter().map(|s| s.rca()).sum::<f64>() / n,
        onset_f: v.iter().map(|s| s.onset_f).sum::<f64>() / n,
        note_f: v.iter().map(|s| s.note_f).sum::<f64>() / n,
        tempo: v.iter().filter(|s| s.tempo_right).count() as f64 / n,
        timing_mae_ms: errors.iter().sum::<f64>() / errors.len().max(1) as f64,
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:>3} clips | RPA {:.3} | RCA {:.3} | onset F {:.3} | note F {:.3} | tempo {:.3} | timing MAE {:.1} ms",
            self.clips,
            self.rpa,
            self.rca,
            self.onset_f,
            self.note_f,
            self.tempo,
            self.timing_mae_ms
        )
    }
}

/// The broadened set's SoundFonts that are on this machine, loaded.
pub fn load_fonts() -> Vec<(String, Arc<SoundFont>)> {
    FONTS
        .iter()
        .filter(|(_, p)| std::path::Path::new(p).is_file())
        .map(|(name, p)| (name.to_string(), soundfont::load(std::path::Path::new(p))))
        .collect()
}
