//! The streaming interface: latency from a note's start to the first correct tuner reading,
//! practice-mode notes, independence from chunk sizes, and bad input. Latency here is counted in
//! samples of stream time (deterministic); the compute time per chunk is in
//! `benches/stream.rs`.

mod common;

use common::soundfont::{load, melody, render, soundfonts};
use common::{SR, Score, additive, midi_hz};
use fretwise_audio::{StreamEvent, Streamer};

fn run(audio: &[f32], chunk: usize) -> Vec<StreamEvent> {
    let mut s = Streamer::new(SR).unwrap();
    audio.chunks(chunk).flat_map(|c| s.push(c)).collect()
}

/// Per note read: seconds from its start to the first reading of its pitch (within 50 cents).
fn latencies(truth: &Score, events: &[StreamEvent]) -> Vec<f64> {
    latencies_by_note(truth, events)
        .into_iter()
        .flatten()
        .collect()
}

/// Per note: seconds from its start to the first reading of its pitch, if any.
fn latencies_by_note(truth: &Score, events: &[StreamEvent]) -> Vec<Option<f64>> {
    truth
        .iter()
        .map(|&(on, dur, f)| common::tuner_latency(events, on, on + dur, f))
        .collect()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Every take: each note read, median latency under 50 ms, none over 80 ms (issue 14). `strict`:
/// the other bars for a tuner on a clean sound; distorted guitars are held to looser ones (their
/// attacks are noise-like for up to ~100 ms); so are steel strings, whose TimGM6mb attack carries
/// a subharmonic for its first ~40 ms (read an octave low in a few frames after the attack
/// check's 30 ms).
fn check(name: &str, audio: &[f32], truth: &Score, strict: bool) {
    let events = run(audio, 256);
    let mut lat = latencies(truth, &events);
    let found = lat.len();
    // The slow notes by name, so a failure says where to look.
    let slow: Vec<String> = truth
        .iter()
        .zip(latencies_by_note(truth, &events))
        .filter(|(_, l)| l.is_none_or(|l| l >= 0.06))
        .map(|(&(on, _, f), l)| {
            let m = (69.0 + 12.0 * (f / 440.0).log2()).round() as i32;
            let name = fretwise_theory::Note::from_midi(m, true).to_string();
            match l {
                Some(l) => format!("{name} at {on:.2} s {:.0} ms", l * 1000.0),
                None => format!("{name} at {on:.2} s never"),
            }
        })
        .collect();
    let worst = lat.iter().copied().fold(0.0f64, f64::max);
    let med = median(&mut lat);
    // Readings inside notes (after 60 ms) that are right, and octave errors.
    let (mut inside, mut right, mut octave) = (0, 0, 0);
    for e in &events {
        if let StreamEvent::Pitch(r) = e
            && let Some(&(_, _, f)) = truth
                .iter()
                .find(|(on, dur, _)| r.time_s >= on + 0.06 && r.time_s <= on + dur)
        {
            inside += 1;
            let c = if r.f0_hz > 0.0 {
                1200.0 * (r.f0_hz / f).log2()
            } else {
                f64::NAN
            };
            if c.abs() <= 50.0 {
                right += 1;
            } else if (c.abs() - 1200.0).abs() <= 50.0 {
                octave += 1;
            }
        }
    }
    let ons: Vec<(f64, i32)> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::NoteOn { onset_s, midi, .. } => Some((*onset_s, *midi)),
            _ => None,
        })
        .collect();
    let matched = truth
        .iter()
        .filter(|(on, _, f)| {
            let m = (69.0 + 12.0 * (f / 440.0).log2()).round() as i32;
            ons.iter().any(|(t, mm)| *mm == m && (t - on).abs() <= 0.05)
        })
        .count();
    println!(
        "{name}: {found}/{} notes read, latency median {:.1} ms, worst {:.1} ms; readings right {:.3}, octave errors {octave}; note-ons {} matched {matched}/{}; slow: {}",
        truth.len(),
        med * 1000.0,
        worst * 1000.0,
        right as f64 / inside as f64,
        ons.len(),
        truth.len(),
        slow.join(", ")
    );
    assert_eq!(found, truth.len(), "{name}: every note read");
    assert!(med < 0.05, "{name}: median latency {med}");
    assert!(
        worst < 0.08,
        "{name}: worst latency {worst} ({})",
        slow.join(", ")
    );
    if !strict {
        assert!(
            right as f64 / inside as f64 >= 0.9,
            "{name}: {right}/{inside}"
        );
        return;
    }
    assert!(
        right as f64 / inside as f64 >= 0.95,
        "{name}: {right}/{inside}"
    );
    assert_eq!(octave, 0, "{name}");
    assert!(
        matched as f64 >= 0.9 * truth.len() as f64,
        "{name}: {ons:?}"
    );
}

#[test]
fn tuner_latency_and_practice_notes() {
    let midis = [
        40.0, 38.0, 45.0, 52.0, 55.0, 59.0, 64.0, 67.0, 71.0, 76.0, 81.0, 84.0,
    ];
    let truth: Score = midis
        .iter()
        .enumerate()
        .map(|(i, m)| (0.2 + i as f64 * 0.45, 0.4, midi_hz(*m)))
        .collect();
    check("additive", &additive(&truth, 6.0), &truth, true);
    for (font_name, path) in soundfonts() {
        let font = load(&path);
        let keys = [40u8, 45, 50, 55, 59, 64, 67, 71, 76, 81];
        for (guitar, program) in [
            ("nylon", 24),
            ("steel", 25),
            ("clean electric", 27),
            ("distorted", 30),
        ] {
            let (audio, truth) = render(&font, program, &melody(&keys, 0.2, 0.45, 0.4), 5.0);
            check(
                &format!("{font_name} {guitar}"),
                &audio,
                &truth,
                program == 24 || program == 27,
            );
        }
    }
}

/// Real recorded notes (acoustic steel-string, electric, nylon): the same melody shape over each
/// instrument's recorded notes from E2 up, every other one.
#[test]
fn tuner_latency_on_recorded_guitars() {
    for inst in common::recorded::instruments_or_skip() {
        let keys: Vec<u8> = inst
            .keys()
            .into_iter()
            .filter(|k| *k >= 40)
            .step_by(2)
            .take(12)
            .collect();
        let events = melody(&keys, 0.2, 0.45, 0.4);
        let (audio, truth) =
            common::recorded::render(&inst, &events, 0.8 + 0.45 * keys.len() as f64);
        // The nylon guitar's body resonance (~100 Hz) dominates the first 30-70 ms of its
        // high notes, and the 20 ms window reads it (at a quarter or a fifth of the note):
        // held to the looser bars, like the distorted guitars.
        let strict = inst.name != "nylon";
        check(&format!("recorded {}", inst.name), &audio, &truth, strict);
    }
}

#[test]
fn chunk_sizes_do_not_change_the_result() {
    let truth: Score = vec![(0.1, 0.5, midi_hz(40.0)), (0.7, 0.5, midi_hz(64.0))];
    let audio = additive(&truth, 1.4);
    let a = run(&audio, 1);
    assert_eq!(a, run(&audio, 256));
    assert_eq!(a, run(&audio, 4099));
    assert_eq!(a, run(&audio, audio.len()));
}

#[test]
fn bad_input_is_handled() {
    assert!(Streamer::new(0).is_err());
    assert!(Streamer::new(1_000_000).is_err());
    let mut s = Streamer::new(48_000).unwrap();
    // NaN and infinities count as silence; nothing panics, nothing is voiced.
    let events = s.push(&[f32::NAN, f32::INFINITY, f32::NEG_INFINITY].repeat(10_000));
    assert!(events.iter().all(|e| match e {
        StreamEvent::Pitch(r) => r.f0_hz == 0.0,
        _ => false,
    }));
    assert!(s.push(&[]).is_empty());
}

/// An attack carrying a subharmonic (half the note, 9 dB down for 40 ms, then dying away) is
/// read at the note's pitch from the start, not an octave low until the subharmonic dies away;
/// a note whose fundamental is weak beside its second harmonic is still read at its fundamental.
#[test]
fn attack_subharmonics_are_not_read() {
    let tau = std::f64::consts::TAU;
    let sr = f64::from(SR);
    let with_sub = |f: f64, sub_level: f64, second: f64| -> Vec<f32> {
        let mut audio = vec![0.0f32; (0.6 * sr) as usize];
        for (i, x) in audio.iter_mut().enumerate().skip((0.1 * sr) as usize) {
            let t = i as f64 / sr - 0.1;
            let note = (tau * f * t).sin()
                + second * (tau * 2.0 * f * t).sin()
                + 0.3 * (tau * 3.0 * f * t).sin();
            let fade = if t < 0.04 {
                1.0
            } else {
                (-(t - 0.04) / 0.01).exp()
            };
            let sub = sub_level * (tau * f / 2.0 * t).sin() * fade;
            *x = (0.3 * (note + sub) * (-t * 3.0).exp() * (t / 0.002).min(1.0)) as f32;
        }
        audio
    };
    for f in [midi_hz(50.0), midi_hz(59.0), midi_hz(64.0)] {
        let truth: Score = vec![(0.1, 0.5, f)];
        // 9 dB under the fundamental (much stronger ones are still read an octave low until
        // they fade: the half-period dip is then above the attack threshold).
        let lat = latencies(&truth, &run(&with_sub(f, 0.35, 0.5), 256));
        assert!(
            lat.len() == 1 && lat[0] <= 0.035,
            "{f:.0} Hz with a subharmonic attack: {lat:?}"
        );
        let weak_fundamental = run(&with_sub(f, 0.0, 3.0), 256);
        for e in &weak_fundamental {
            if let StreamEvent::Pitch(r) = e
                && r.f0_hz > 0.0
                && r.time_s > 0.16
                && r.time_s < 0.55
            {
                let cents = 1200.0 * (r.f0_hz / f).log2();
                assert!(
                    cents.abs() <= 50.0,
                    "{f:.0} Hz read {} at {}",
                    r.f0_hz,
                    r.time_s
                );
            }
        }
    }
}

/// Noise alone (white, pink, and room noise: pink with hum and rumble) well above the gate gives
/// no readings: a pitch held over several frames voices a shallow dip, and noise's deepest dip
/// does not hold still.
#[test]
fn noise_alone_is_not_read() {
    let n = 3 * SR as usize;
    for (kind, seed) in [("white", 1u64), ("pink", 2), ("room", 3)] {
        let mut rng = common::broad::Rng::new(seed);
        let noise = match kind {
            "white" => common::broad::white(&mut rng, n),
            "pink" => common::broad::pink(&mut rng, n),
            _ => common::broad::room(&mut rng, n),
        };
        let rms = (noise.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt();
        for db in [-40.0, -20.0] {
            let gain = 10f64.powf(db / 20.0) / rms;
            let audio: Vec<f32> = noise.iter().map(|v| (v * gain) as f32).collect();
            let voiced: Vec<f64> = run(&audio, 256)
                .iter()
                .filter_map(|e| match e {
                    StreamEvent::Pitch(r) if r.f0_hz > 0.0 => Some(r.f0_hz),
                    _ => None,
                })
                .collect();
            println!(
                "{kind} noise at {db} dBFS: {} voiced readings {voiced:?}",
                voiced.len()
            );
            assert!(
                voiced.is_empty(),
                "{kind} noise at {db} dBFS read as {voiced:?}"
            );
        }
    }
}
