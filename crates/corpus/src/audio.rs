//! Lesson audio with known truth (`--audio`): the instructor's speech at the transcript's word
//! times and, in the pauses the transcript announces ("Listen to this."), a played phrase
//! rendered from its notes through a real sampled-guitar SoundFont (rustysynth), with room noise
//! at a chosen speech-to-noise ratio and level changes between utterances.
//!
//! The speech is a synthetic voice, not words: a glottal pulse train with a moving pitch through
//! three formant resonators, one vowel per syllable, shaped per word. It is pitched like speech,
//! so a detector cannot call every pitched sound playing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fretwise_theory::{Key, KeyMode, PitchClass, Scale, Tuning, VoicingOptions, voicings};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rustysynth::{SoundFont, Synthesizer, SynthesizerSettings};
use serde::{Deserialize, Serialize};

use crate::CorpusError;

/// Sample rate of the written audio.
pub const AUDIO_RATE: u32 = 22_050;

/// General MIDI guitar programs used for the playing: nylon, steel, clean electric (twice as
/// often: lessons are mostly clean), overdriven.
const PROGRAMS: [u8; 5] = [24, 25, 27, 27, 29];

/// Speech-to-noise ratios a lesson is recorded at, dB.
const SNRS_DB: [f64; 6] = [10.0, 15.0, 20.0, 25.0, 30.0, 40.0];

/// A loaded SoundFont and where it came from.
#[derive(Clone)]
pub struct Font {
    path: PathBuf,
    font: Arc<SoundFont>,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font").field("path", &self.path).finish()
    }
}

impl Font {
    /// Loads a SoundFont (`.sf2`).
    pub fn load(path: &Path) -> Result<Self, CorpusError> {
        let mut f = std::fs::File::open(path).map_err(|source| CorpusError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let font = SoundFont::new(&mut f).map_err(|e| {
            CorpusError::Invalid(format!("{}: not a readable SoundFont: {e}", path.display()))
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            font: Arc::new(font),
        })
    }

    /// The first SoundFont found: `FRETWISE_SOUNDFONT`, then Debian's (`apt install
    /// fluid-soundfont-gm` or `timgm6mb-soundfont`).
    pub fn find() -> Result<Self, CorpusError> {
        let mut candidates: Vec<PathBuf> = Vec::new();
        if let Some(p) = std::env::var_os("FRETWISE_SOUNDFONT") {
            candidates.push(PathBuf::from(p));
        }
        for f in ["FluidR3_GM.sf2", "TimGM6mb.sf2"] {
            candidates.push(Path::new("/usr/share/sounds/sf2").join(f));
        }
        match candidates.iter().find(|p| p.is_file()) {
            Some(p) => Self::load(p),
            None => Err(CorpusError::Invalid(
                "--audio needs a SoundFont: give --soundfont FILE.sf2, set FRETWISE_SOUNDFONT, or apt install fluid-soundfont-gm".into(),
            )),
        }
    }

    /// Where it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// One note of the truth.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthNote {
    /// Where its sound starts, seconds into the lesson.
    pub onset_s: f64,
    /// Where it is damped, seconds.
    pub offset_s: f64,
    /// MIDI note.
    pub midi: i32,
}

/// One strummed chord of the truth.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthChord {
    /// Its first string's sound, seconds.
    pub start_s: f64,
    /// Where the next chord starts (or the last one is damped), seconds.
    pub end_s: f64,
    /// Guitarist's symbol ("Am").
    pub symbol: String,
    /// The voicing played, lowest string first (`x02210`).
    pub shape: String,
}

/// One demonstration of the truth.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthDemo {
    /// First note's sound, seconds.
    pub start_s: f64,
    /// Last note's end, seconds.
    pub end_s: f64,
    /// The notes.
    pub notes: Vec<TruthNote>,
    /// "A minor".
    pub key: String,
    /// "A minor pentatonic".
    pub scale: String,
    /// Quarter notes per minute.
    pub tempo_bpm: f64,
    /// General MIDI program played.
    pub program: u8,
    /// The chords strummed, in order; empty for a single-note phrase.
    #[serde(default)]
    pub chords: Vec<TruthChord>,
    /// Seconds of it played under the next words (the phrase runs on after the instructor
    /// starts talking again); 0 for playing inside the pause.
    #[serde(default)]
    pub under_speech_s: f64,
}

/// What the generator put in a lesson's audio.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AudioTruth {
    /// Lesson id.
    pub lesson_id: String,
    /// The audio file, relative to the corpus folder.
    pub audio_path: String,
    /// Seconds.
    pub duration_s: f64,
    /// Speech power inside the words over the noise power, dB.
    pub snr_db: f64,
    /// Gain of each utterance relative to the lesson's speech level, dB.
    pub utterance_gain_db: Vec<f64>,
    /// The demonstrations.
    pub demonstrations: Vec<TruthDemo>,
    /// Announced pauses left silent (the instructor did not play), (start, end) seconds.
    pub silent_pauses: Vec<(f64, f64)>,
    /// Voiced fillers the transcript leaves out ("uh", "um"), (start, end) seconds.
    pub fillers: Vec<(f64, f64)>,
}

/// The lesson's timeline the audio follows.
pub(crate) struct Timeline<'a> {
    pub id: &'a str,
    pub words: &'a [(f64, f64)],
    pub utterances: &'a [(f64, f64)],
    pub demo_gaps: &'a [(f64, f64)],
    pub runtime_s: f64,
}

/// Renders a lesson's audio (mono, [`AUDIO_RATE`]) and its truth.
pub(crate) fn render(
    font: &Font,
    seed: u64,
    n: usize,
    tl: &Timeline<'_>,
    audio_path: &str,
) -> (Vec<f32>, AudioTruth) {
    // Its own stream: the transcript is the same with and without --audio.
    let mut rng = ChaCha8Rng::seed_from_u64(
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (n as u64) ^ 0xA0D1_0000_0000,
    );
    let sr = f64::from(AUDIO_RATE);
    let len = (tl.runtime_s * sr).ceil() as usize + 1;
    let mut speech = vec![0.0f32; len];
    let base_f0 = rng.random_range(95.0..190.0);
    let mut gains = Vec::with_capacity(tl.utterances.len());
    for &(us, ue) in tl.utterances {
        // Level changes: the instructor turns away from the microphone or leans in.
        let g_db: f64 = if rng.random_bool(0.3) {
            rng.random_range(-6.0..4.0)
        } else {
            rng.random_range(-1.5..1.5)
        };
        gains.push((g_db * 10.0).round() / 10.0);
        let g = 10f64.powf(g_db / 20.0);
        for &(ws, we) in tl.words.iter().filter(|(s, _)| *s >= us && *s < ue) {
            voice_word(&mut speech, &mut rng, ws, we, us, ue, base_f0, g);
        }
    }
    // Speech level: the power inside the words.
    let word_power = power_in(&speech, tl.words);
    // Fillers the transcript leaves out, as ASR does: voiced sounds between the words that are
    // not playing. One in three pauses of half a second or more holds one.
    let mut fillers = Vec::new();
    let mut pauses: Vec<(f64, f64)> = tl
        .utterances
        .windows(2)
        .map(|w| (w[0].1, w[1].0))
        .filter(|(s, e)| e - s >= 0.5)
        .collect();
    pauses.retain(|p| !tl.demo_gaps.iter().any(|g| (g.0 - p.0).abs() < 1e-6));
    for (ps, pe) in pauses {
        if rng.random_bool(0.33) {
            let len = rng.random_range(0.25..0.6f64).min(pe - ps - 0.2);
            let s = ps + rng.random_range(0.05..(pe - ps - len - 0.05).max(0.06));
            let g = 10f64.powf(rng.random_range(-6.0..0.0) / 20.0);
            voice_word(&mut speech, &mut rng, s, s + len, s, s + len, base_f0, g);
            fillers.push((r3(s), r3(s + len)));
        }
    }
    // The playing sits a few dB either side of the speech.
    let mut guitar = vec![0.0f32; len];
    let mut demos = Vec::new();
    let mut silent = Vec::new();
    for (gi, &(gs, ge)) in tl.demo_gaps.iter().enumerate() {
        // One phrase in four runs on under the next words where they last long enough, as
        // players do. Its own stream, so the other lessons' audio does not change with it.
        let mut under = ChaCha8Rng::seed_from_u64(
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ ((n as u64) << 16) ^ gi as u64,
        );
        let next_words = tl
            .utterances
            .iter()
            .find(|u| (u.0 - ge).abs() < 1e-6)
            .map_or(0.0, |u| u.1 - u.0);
        let over = if next_words >= 2.5 && under.random_bool(0.25) {
            under.random_range(1.5..3.0f64).min(next_words - 0.5)
        } else {
            0.0
        };
        if rng.random_bool(0.1) {
            silent.push((gs, ge));
            // "Uh, let me find my pick": a filler in a pause that holds no playing.
            let s = gs + rng.random_range(0.3..1.0);
            let len = rng.random_range(0.3..0.7);
            voice_word(&mut speech, &mut rng, s, s + len, s, s + len, base_f0, 0.7);
            fillers.push((r3(s), r3(s + len)));
            continue;
        }
        // Lessons strum chords as often as they pick phrases; three in ten are strummed here.
        let played = if rng.random_bool(0.3) {
            strum(font, &mut rng, gs, ge, &mut guitar)
        } else {
            phrase(font, &mut rng, (gs, ge), (over, &mut under), &mut guitar)
        };
        if let Some(d) = played {
            demos.push(d);
        }
    }
    let spans: Vec<(f64, f64)> = demos.iter().map(|d| (d.start_s, d.end_s)).collect();
    let guitar_power = power_in(&guitar, &spans);
    let rel_db: f64 = rng.random_range(-4.0..4.0);
    let g_scale = if guitar_power > 0.0 {
        (word_power / guitar_power * 10f64.powf(rel_db / 10.0)).sqrt()
    } else {
        0.0
    };
    let snr_db = SNRS_DB[rng.random_range(0..SNRS_DB.len())];
    let noise = room_noise(&mut rng, len);
    let noise_power = noise.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / len as f64;
    let n_scale = (word_power / 10f64.powf(snr_db / 10.0) / noise_power.max(1e-20)).sqrt();
    let mut mix: Vec<f32> = (0..len)
        .map(|i| {
            (f64::from(speech[i]) + f64::from(guitar[i]) * g_scale + f64::from(noise[i]) * n_scale)
                as f32
        })
        .collect();
    // Leave headroom: the loudest sample at −3 dBFS (the ratios do not change).
    let peak = mix.iter().fold(0.0f32, |m, x| m.max(x.abs())).max(1e-9);
    let k = 0.708 / peak;
    for x in &mut mix {
        *x *= k;
    }
    let truth = AudioTruth {
        lesson_id: tl.id.to_string(),
        audio_path: audio_path.to_string(),
        duration_s: r3(len as f64 / sr),
        snr_db,
        utterance_gain_db: gains,
        demonstrations: demos,
        silent_pauses: silent,
        fillers,
    };
    (mix, truth)
}

/// Mean power of `x` inside the spans (seconds).
fn power_in(x: &[f32], spans: &[(f64, f64)]) -> f64 {
    let sr = f64::from(AUDIO_RATE);
    let (mut acc, mut n) = (0.0f64, 0usize);
    for &(s, e) in spans {
        let a = ((s * sr) as usize).min(x.len());
        let b = ((e * sr) as usize).min(x.len());
        for v in &x[a..b] {
            acc += f64::from(*v).powi(2);
        }
        n += b - a;
    }
    if n == 0 { 0.0 } else { acc / n as f64 }
}

/// One word of the synthetic voice: a pulse train at a falling pitch through formants, one
/// vowel per syllable (about 180 ms), with a soft attack and release.
#[allow(clippy::too_many_arguments)]
fn voice_word(
    out: &mut [f32],
    rng: &mut ChaCha8Rng,
    ws: f64,
    we: f64,
    us: f64,
    ue: f64,
    base_f0: f64,
    gain: f64,
) {
    // (F1, F2, F3) of a, e, i, o, u (adult averages).
    const VOWELS: [(f64, f64, f64); 5] = [
        (730.0, 1090.0, 2440.0),
        (530.0, 1840.0, 2480.0),
        (270.0, 2290.0, 3010.0),
        (570.0, 840.0, 2410.0),
        (300.0, 870.0, 2240.0),
    ];
    let sr = f64::from(AUDIO_RATE);
    let a = (ws * sr) as usize;
    let b = ((we * sr) as usize).min(out.len());
    if a >= b {
        return;
    }
    let syllables = (((we - ws) / 0.18).round() as usize).max(1);
    let syl_len = (b - a) / syllables + 1;
    let mut phase = 0.0f64;
    let mut filters: [Resonator; 3] = Default::default();
    for (k_all, o) in out[a..b].iter_mut().enumerate() {
        let i = a + k_all;
        if k_all.is_multiple_of(syl_len) {
            let vowel = VOWELS[rng.random_range(0..VOWELS.len())];
            for (f, hz) in filters.iter_mut().zip([vowel.0, vowel.1, vowel.2]) {
                f.tune(hz, 90.0, sr);
            }
        }
        let t = i as f64 / sr;
        // Declination over the utterance plus a little jitter.
        let along = ((t - us) / (ue - us).max(0.1)).clamp(0.0, 1.0);
        let f0 = base_f0 * (1.15 - 0.3 * along) * (1.0 + 0.01 * rng.random_range(-1.0..1.0));
        phase += f0 / sr;
        let pulse = if phase >= 1.0 {
            phase -= 1.0;
            1.0
        } else {
            0.0
        };
        let breath = 0.05 * rng.random_range(-1.0..1.0);
        let x = pulse + breath;
        let y: f64 = filters.iter_mut().map(|f| f.step(x)).sum();
        // Syllable envelope: up over 30 ms, down over the last 40 ms.
        let k = k_all % syl_len;
        let env = (k as f64 / (0.03 * sr)).min(1.0) * ((syl_len - k) as f64 / (0.04 * sr)).min(1.0);
        *o += (y * env * gain * 0.05) as f32;
    }
}

/// A two-pole resonator.
#[derive(Default, Clone, Copy)]
struct Resonator {
    a1: f64,
    a2: f64,
    g: f64,
    y1: f64,
    y2: f64,
}

impl Resonator {
    fn tune(&mut self, hz: f64, bandwidth: f64, sr: f64) {
        let r = (-std::f64::consts::PI * bandwidth / sr).exp();
        self.a1 = 2.0 * r * (2.0 * std::f64::consts::PI * hz / sr).cos();
        self.a2 = -r * r;
        self.g = 1.0 - r;
    }

    fn step(&mut self, x: f64) -> f64 {
        let y = self.g * x + self.a1 * self.y1 + self.a2 * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Room noise: pink noise (Kellet's filter) with a little mains hum.
fn room_noise(rng: &mut ChaCha8Rng, len: usize) -> Vec<f32> {
    let sr = f64::from(AUDIO_RATE);
    let hum_hz = if rng.random_bool(0.5) { 50.0 } else { 60.0 };
    let hum = rng.random_range(0.0..0.3);
    let mut b = [0.0f64; 7];
    (0..len)
        .map(|i| {
            let w: f64 = rng.random_range(-1.0..1.0);
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.1538520;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            let pink = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
            b[6] = w * 0.115926;
            let t = i as f64 / sr;
            (pink * 0.1 + hum * (2.0 * std::f64::consts::PI * hum_hz * t).sin() * 0.1) as f32
        })
        .collect()
}

/// A key on a random tonic, major with probability `p_major`: (tonic pitch class, key, mode).
fn random_key(rng: &mut ChaCha8Rng, p_major: f64) -> (i32, Key, KeyMode) {
    let tonic_pc = rng.random_range(0..12);
    let mode = if rng.random_bool(p_major) {
        KeyMode::Major
    } else {
        KeyMode::Minor
    };
    (tonic_pc, Key::simplest(tonic_pc, mode), mode)
}

/// A phrase in a key, played in the pause `(gs, ge)`: it starts and ends on the tonic, walks
/// the scale by steps and small leaps, in quarters and eighths with a held last note. With
/// `over` > 0 it runs on for up to that many seconds under the next words, its extra notes
/// drawn from `more`.
fn phrase(
    font: &Font,
    rng: &mut ChaCha8Rng,
    (gs, ge): (f64, f64),
    (over, more): (f64, &mut ChaCha8Rng),
    out: &mut [f32],
) -> Option<TruthDemo> {
    let (tonic_pc, key, mode) = random_key(rng, 0.5);
    let scale_name = match (mode, rng.random_bool(0.6)) {
        (KeyMode::Major, true) => "major pentatonic",
        (KeyMode::Major, false) => "major",
        (_, true) => "minor pentatonic",
        (_, false) => "minor",
    };
    let scale = Scale::new(key.tonic, scale_name).ok()?;
    let pcs: Vec<i32> = scale
        .notes()
        .iter()
        .map(|p: &PitchClass| p.semitone().rem_euclid(12))
        .collect();
    // The tonic between A2 and G#3, so the phrase stays on a guitar's neck.
    let tonic_midi = 45 + (tonic_pc - 9).rem_euclid(12);
    // The scale's notes from an octave below the tonic to two above.
    let ladder: Vec<i32> = (tonic_midi - 12..=tonic_midi + 24)
        .filter(|m| pcs.contains(&m.rem_euclid(12)) && *m >= 40 && *m <= 84)
        .collect();
    let home = ladder.iter().position(|m| *m == tonic_midi)?;
    let tempo: f64 = f64::from(rng.random_range(14..29) * 5);
    let beat = 60.0 / tempo;
    // Some players start the moment they stop talking.
    let start = gs + rng.random_range(0.1..1.0);
    let room = ge - 0.5 - start;
    // Rhythm in beats: quarters and pairs of eighths, ending on a half note.
    let mut rhythm: Vec<f64> = Vec::new();
    let want = rng.random_range(6..15);
    let mut total = 0.0;
    while rhythm.len() < want {
        let cell: &[f64] = if rng.random_bool(0.5) {
            &[1.0]
        } else {
            &[0.5, 0.5]
        };
        if (total + cell.iter().sum::<f64>() + 2.0) * beat > room {
            break;
        }
        rhythm.extend_from_slice(cell);
        total += cell.iter().sum::<f64>();
    }
    if rhythm.len() < 3 {
        return None;
    }
    // Running on under the words: more cells until the held last note ends `over` seconds
    // into them.
    let main_cells = rhythm.len();
    let mut running_on = over > 0.0;
    while running_on {
        let cell: &[f64] = if more.random_bool(0.5) {
            &[1.0]
        } else {
            &[0.5, 0.5]
        };
        if start + (total + cell.iter().sum::<f64>() + 2.0) * beat > ge + over {
            running_on = false;
            continue;
        }
        rhythm.extend_from_slice(cell);
        total += cell.iter().sum::<f64>();
    }
    rhythm.push(2.0);
    let mut pos = home;
    let program = PROGRAMS[rng.random_range(0..PROGRAMS.len())];
    let mut notes = Vec::with_capacity(rhythm.len());
    let mut t = start;
    let last = rhythm.len() - 1;
    for (i, dur_beats) in rhythm.iter().enumerate() {
        // The notes added to run on under the words draw from their own stream.
        let rng: &mut ChaCha8Rng = if i >= main_cells && i != last {
            &mut *more
        } else {
            &mut *rng
        };
        if i == last {
            pos = home;
        } else if i > 0 {
            let step: i32 = [-2, -1, -1, 1, 1, 2][rng.random_range(0..6)];
            pos = (pos as i32 + step).clamp(0, ladder.len() as i32 - 1) as usize;
        }
        let midi = ladder[pos];
        // Accents on the beat: the pulse is heard, not only counted.
        let on_beat = ((t - start) / beat).fract() < 0.01 || ((t - start) / beat).fract() > 0.99;
        let velocity = if on_beat {
            rng.random_range(100..120)
        } else {
            rng.random_range(70..90)
        };
        let dur = dur_beats * beat;
        let (onset, offset) = render_note(font, program, midi, velocity, t, dur, out);
        notes.push(TruthNote {
            onset_s: r3(onset),
            offset_s: r3(offset),
            midi,
        });
        t += dur;
    }
    let end_s = notes.last()?.offset_s;
    Some(TruthDemo {
        start_s: notes.first()?.onset_s,
        end_s,
        notes,
        key: key.to_string(),
        scale: scale.to_string(),
        tempo_bpm: tempo,
        program,
        chords: Vec::new(),
        under_speech_s: r3((end_s - ge).max(0.0)),
    })
}

/// A chord progression in a key, strummed in the pause `(gs, ge)`: each chord the easiest
/// voicing the theory engine gives, strummed down on every beat (strings 12–25 ms apart, the
/// first strum of a chord accented) for two beats, the last chord held; the progression starts
/// and ends on the tonic chord.
fn strum(
    font: &Font,
    rng: &mut ChaCha8Rng,
    gs: f64,
    ge: f64,
    out: &mut [f32],
) -> Option<TruthDemo> {
    // Degrees into the key's triads (0 = I): the progressions lessons teach first.
    const MAJOR: [&[usize]; 4] = [
        &[0, 4, 5, 3, 0],
        &[0, 3, 4, 0],
        &[0, 5, 3, 4, 0],
        &[0, 3, 0, 4, 0],
    ];
    const MINOR: [&[usize]; 3] = [&[0, 5, 6, 0], &[0, 3, 4, 0], &[0, 6, 5, 6, 0]];
    let (_, key, mode) = random_key(rng, 0.6);
    let scale = Scale::new(
        key.tonic,
        if mode == KeyMode::Major {
            "major"
        } else {
            "minor"
        },
    )
    .ok()?;
    let triads = key.triads();
    let degrees: &[usize] = if mode == KeyMode::Major {
        MAJOR[rng.random_range(0..MAJOR.len())]
    } else {
        MINOR[rng.random_range(0..MINOR.len())]
    };
    let tuning = Tuning::standard();
    let open: Vec<i32> = tuning
        .strings
        .iter()
        .map(|n| n.midi().unwrap_or(40))
        .collect();
    let tempo: f64 = f64::from(rng.random_range(14..27) * 5);
    let beat = 60.0 / tempo;
    let start = gs + rng.random_range(0.1..1.0);
    let room = ge - 0.5 - start;
    // Two beats a chord, the last held for two more; as many chords as the pause holds (≥ 3).
    let fit = ((room / beat - 2.0) / 2.0).floor().max(0.0) as usize;
    let n_chords = degrees.len().min(fit);
    if n_chords < 3 {
        return None;
    }
    // Cut long progressions at the end but still close on the tonic.
    let mut plan: Vec<usize> = degrees[..n_chords - 1].to_vec();
    plan.push(0);
    let program = [24u8, 25, 25, 27][rng.random_range(0..4)];
    let mut notes = Vec::new();
    let mut chords = Vec::new();
    let mut t = start;
    for (ci, &deg) in plan.iter().enumerate() {
        let chord = triads.get(deg)?;
        let v = voicings(chord, &tuning, &VoicingOptions::default());
        let v = v.iter().find(|v| v.kind == "open").or(v.first())?;
        let pitches: Vec<i32> = v
            .frets
            .iter()
            .zip(&open)
            .filter_map(|(f, o)| f.map(|f| o + f as i32))
            .collect();
        let strums = if ci + 1 == plan.len() { 1 } else { 2 };
        let mut chord_onset = f64::INFINITY;
        for k in 0..strums {
            let dur = if ci + 1 == plan.len() {
                4.0 * beat
            } else {
                beat
            };
            let gap = rng.random_range(0.012..0.025);
            let velocity = if k == 0 {
                rng.random_range(95..115)
            } else {
                rng.random_range(70..90)
            };
            for (si, &midi) in pitches.iter().enumerate() {
                let at = t + si as f64 * gap;
                let (onset, offset) = render_note(
                    font,
                    program,
                    midi,
                    velocity,
                    at,
                    dur - si as f64 * gap,
                    out,
                );
                chord_onset = chord_onset.min(onset);
                notes.push(TruthNote {
                    onset_s: r3(onset),
                    offset_s: r3(offset),
                    midi,
                });
            }
            t += dur;
        }
        chords.push(TruthChord {
            start_s: r3(chord_onset),
            end_s: r3(t),
            symbol: chord.to_string(),
            shape: v.shape(),
        });
    }
    // Chords last until the next one sounds.
    for i in 1..chords.len() {
        chords[i - 1].end_s = chords[i].start_s;
    }
    Some(TruthDemo {
        start_s: chords.first()?.start_s,
        end_s: notes.iter().map(|n| n.offset_s).fold(0.0, f64::max),
        notes,
        key: key.to_string(),
        scale: scale.to_string(),
        tempo_bpm: tempo,
        program,
        chords,
        under_speech_s: 0.0,
    })
}

/// Renders one note alone (damped over 20 ms at its end, as a player mutes the string before
/// the next note) into `out` at `t`; returns where its sound starts (the first sample above 5 %
/// of its peak) and where it ends.
fn render_note(
    font: &Font,
    program: u8,
    midi: i32,
    velocity: i32,
    t: f64,
    dur: f64,
    out: &mut [f32],
) -> (f64, f64) {
    let sr = f64::from(AUDIO_RATE);
    let settings = SynthesizerSettings::new(AUDIO_RATE as i32);
    let Ok(mut synth) = Synthesizer::new(&font.font, &settings) else {
        return (t, t + dur);
    };
    synth.process_midi_message(0, 0xC0, i32::from(program), 0);
    synth.note_on(0, midi, velocity);
    let damp = (0.02 * sr) as usize;
    let n = (dur * sr).round() as usize;
    let total = n + damp;
    let mut left = vec![0.0f32; total];
    let mut right = vec![0.0f32; total];
    synth.render(&mut left, &mut right);
    let mut note: Vec<f32> = left
        .iter()
        .zip(&right)
        .map(|(l, r)| 0.5 * (l + r))
        .collect();
    for (k, v) in note.iter_mut().enumerate().skip(n) {
        *v *= 1.0 - (k - n) as f32 / damp as f32;
    }
    let peak = note.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let delay = note.iter().position(|v| v.abs() > 0.05 * peak).unwrap_or(0);
    let start = (t * sr).round() as usize;
    for (k, v) in note.iter().enumerate() {
        if let Some(o) = out.get_mut(start + k) {
            *o += v;
        }
    }
    ((start + delay) as f64 / sr, (start + total) as f64 / sr)
}

/// 16-bit PCM mono WAV bytes.
pub(crate) fn wav_bytes(samples: &[f32]) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + samples.len() * 2);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&AUDIO_RATE.to_le_bytes());
    b.extend_from_slice(&(AUDIO_RATE * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
        b.extend_from_slice(&v.to_le_bytes());
    }
    b
}

fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
