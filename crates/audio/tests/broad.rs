//! The broadened evaluation set (issue 14, `tests/common/broad.rs`): phrases, sources and
//! recording conditions the engine was not tuned on, split into a tuning part and a held-out
//! third by a committed seed. Per-clip figures are printed for the tuning part only; the
//! held-out part prints its totals (by material and overall), which is all anyone may look at
//! while changing the analysis. Besides the clips: scored takes with known deviations
//! (`common/takes.rs`, deviation precision and recall at advanced strictness) and strummed
//! chords (`common/chordset.rs`, weighted overlap). Figures and method: docs/AUDIO.md.
//!
//! Needs the three SoundFonts (`.ci/run` installs `fluid-soundfont-gm`, `timgm6mb-soundfont`,
//! `musescore-general-soundfont-lossless`) and the recorded guitar notes; without them it says
//! so and skips, unless `FRETWISE_REQUIRE_SOUNDFONTS` / `FRETWISE_REQUIRE_RECORDINGS` are set.

mod common;

use common::broad::{self, Clip, ClipScore, Part, Summary, summarize};
use common::chordset::{self, ChordClip};
use common::recorded::instruments_or_skip;
use common::soundfont::fonts_or_skip;
use common::takes::{self, Detection, Take};
use common::{SR, wav};
use fretwise_audio::{Exercise, Strictness, analyze_bytes, score};

/// `f` of every item on all cores, in the items' order.
fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let size = items.len().div_ceil(threads).max(1);
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    let f = &f;
    std::thread::scope(|scope| {
        for (chunk, slots) in items.chunks(size).zip(out.chunks_mut(size)) {
            scope.spawn(move || {
                for (item, slot) in chunk.iter().zip(slots) {
                    *slot = Some(f(item));
                }
            });
        }
    });
    out.into_iter().flatten().collect()
}

/// A loaded SoundFont and its name.
type Font = (String, std::sync::Arc<rustysynth::SoundFont>);

/// The SoundFonts and recorded guitars the set is drawn from; None (the test skips, saying
/// why) when either is missing.
fn sources() -> Option<(Vec<Font>, Vec<common::recorded::Instrument>)> {
    let required = fonts_or_skip();
    let instruments = instruments_or_skip();
    if required.is_empty() || instruments.is_empty() {
        return None;
    }
    Some((broad::load_fonts(), instruments))
}

/// The attacks the onset detector finds in mono samples at [`SR`] (for the debug printers).
fn attacks(audio: &[f32]) -> Vec<fretwise_audio::Attack> {
    let rate = fretwise_audio::ANALYSIS_RATE;
    let r = fretwise_audio::resample(audio, SR, rate).unwrap_or_else(|e| panic!("{e}"));
    fretwise_audio::onsets(&r, rate, fretwise_audio::HOP / 2).1
}

/// Analyses a WAV of mono samples at [`SR`] (panics with the clip's name: test tooling).
fn analyse(audio: &[f32], name: &str) -> fretwise_audio::Analysis {
    analyze_bytes(&wav(audio, SR), Some("wav"), 600.0).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// For `FRETWISE_DEBUG_CLIP=part-of-its-name` (tuning clips only): the attacks found (with their
/// rise) and the onsets reported, each labelled note with the frame pitches read inside it
/// (MIDI, rounded; `-` unvoiced), then the notes read; with `FRETWISE_DEBUG_WAV=DIR`, the clip
/// as DIR/clip.wav.
fn debug_clip(clip: &Clip) {
    let a = analyse(&clip.audio, &clip.name);
    println!("== {}", clip.name);
    if let Some(dir) = std::env::var_os("FRETWISE_DEBUG_WAV") {
        let path = std::path::Path::new(&dir).join("clip.wav");
        std::fs::write(&path, wav(&clip.audio, SR)).unwrap_or_else(|e| panic!("{e}"));
    }
    let rate = fretwise_audio::ANALYSIS_RATE;
    let r = fretwise_audio::resample(&clip.audio, SR, rate).unwrap_or_else(|e| panic!("{e}"));
    let raw = fretwise_audio::track(&r, rate);
    let at: Vec<String> = attacks(&clip.audio)
        .iter()
        .map(|a| format!("{:.3} ({:.1} dB)", a.time_s, a.rise_db))
        .collect();
    println!("attacks {}", at.join(", "));
    let on: Vec<String> = a.onsets_s.iter().map(|t| format!("{t:.3}")).collect();
    println!("onsets reported {}", on.join(" "));
    for (label, hop, f0) in [
        ("raw", raw.hop_s, &raw.f0_hz),
        ("final", a.pitch_track.hop_s, &a.pitch_track.f0_hz),
    ] {
        println!("-- {label}");
        print_frames(clip, hop, f0);
    }
    for n in &a.notes {
        println!(
            "read  {:7.3}-{:7.3} midi {:3} {:+.0}c",
            n.onset_s, n.offset_s, n.midi, n.cents
        );
    }
}

/// Each labelled note of `clip` with the frame pitches `f0` (every `hop` s) inside it.
fn print_frames(clip: &Clip, hop: f64, f0: &[f64]) {
    for n in &clip.notes {
        let first = (n.onset / hop).ceil() as usize;
        let last = ((n.end / hop).floor() as usize).min(f0.len());
        let frames: Vec<String> = f0[first.min(last)..last]
            .iter()
            .map(|&f| {
                if f > 0.0 {
                    format!("{:.0}", 69.0 + 12.0 * (f / 440.0).log2())
                } else {
                    "-".into()
                }
            })
            .collect();
        println!(
            "truth {:7.3}-{:7.3} midi {:5.1} | {}",
            n.onset,
            n.end,
            n.midi,
            frames.join(" ")
        );
    }
}

/// Analyses and scores every clip on all cores, in the clips' order.
fn analyse_all(clips: &[Clip]) -> Vec<ClipScore> {
    par_map(clips, |clip| {
        broad::score(clip, &analyse(&clip.audio, &clip.name))
    })
}

/// Prints one line per group (material or condition) of a part's clips.
fn print_groups(label: &str, pairs: &[(&Clip, &ClipScore)], key: fn(&Clip) -> &str) {
    let mut groups: Vec<&str> = pairs.iter().map(|(c, _)| key(c)).collect();
    groups.sort_unstable();
    groups.dedup();
    for g in groups {
        let s = summarize(pairs.iter().filter(|(c, _)| key(c) == g).map(|(_, s)| *s));
        println!("{label} {g:<16} {s}");
    }
}

#[test]
fn broadened_set_tuning_and_held_out() {
    let Some((fonts, instruments)) = sources() else {
        return;
    };
    if std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_some() {
        assert_eq!(
            fonts.len(),
            broad::FONTS.len(),
            "the broadened set needs {:?}",
            broad::FONTS
        );
    }
    let clips = broad::clips(&fonts, &instruments);
    let scores = analyse_all(&clips);
    if let Ok(d) = std::env::var("FRETWISE_DEBUG_CLIP") {
        for c in clips
            .iter()
            .filter(|c| c.part == Part::Tuning && c.name.contains(&d))
        {
            debug_clip(c);
        }
    }
    let (tuning, held): (Vec<usize>, Vec<usize>) =
        (0..clips.len()).partition(|&i| clips[i].part == Part::Tuning);
    for &i in &tuning {
        let s = &scores[i];
        println!(
            "tuning | {} | RPA {:.3} RCA {:.3} onset F {:.3} note F {:.3} tempo {} timing {:.1} ms",
            clips[i].name,
            s.rpa(),
            s.rca(),
            s.onset_f,
            s.note_f,
            if s.tempo_right { "ok" } else { "off" },
            s.timing_errors_ms.iter().sum::<f64>() / s.timing_errors_ms.len().max(1) as f64
        );
    }
    let part = |idx: &[usize]| -> Vec<(&Clip, &ClipScore)> {
        idx.iter().map(|&i| (&clips[i], &scores[i])).collect()
    };
    let tuning_pairs = part(&tuning);
    let held_pairs = part(&held);
    print_groups("tuning   | material ", &tuning_pairs, |c| c.material);
    print_groups("tuning   | condition", &tuning_pairs, |c| c.condition);
    print_groups("held out | material ", &held_pairs, |c| c.material);
    let t: Summary = summarize(tuning_pairs.iter().map(|(_, s)| *s));
    let h: Summary = summarize(held_pairs.iter().map(|(_, s)| *s));
    println!("tuning   | all              {t}");
    println!("held out | all              {h}");
    if std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_some() {
        // The whole set: a clip that silently drops out would move every figure.
        assert_eq!((tuning.len(), held.len()), (93, 41), "clips in each part");
    }
    // Guards a little under what was measured on 2026-12-07, sessions 34 and 35 (docs/AUDIO.md),
    // so that the figures can only get better; held out, RPA, RCA, onset F and note F meet the
    // issue's bars (0.97, 0.97, 0.97, 0.95).
    for (label, s, floor) in [
        ("tuning", &t, [0.96, 0.965, 0.945, 0.91, 0.87]),
        ("held out", &h, [0.97, 0.98, 0.97, 0.955, 0.9]),
    ] {
        let got = [s.rpa, s.rca, s.onset_f, s.note_f, s.tempo];
        let names = ["RPA", "RCA", "onset F", "note F", "tempo"];
        for ((name, g), f) in names.iter().zip(got).zip(floor) {
            assert!(g >= f, "{label}: {name} {g:.3} under {f}");
        }
        // 6.9 and 6.4 ms since weak attacks are read on the new note's bins (session 35).
        assert!(
            s.timing_mae_ms <= 7.5,
            "{label}: timing MAE {:.1} ms",
            s.timing_mae_ms
        );
    }
    // Mains hum at 5 and 10 dB (tuning part): 0.41 and 0.87 RPA before the hum was notched out.
    let hum = summarize(
        tuning_pairs
            .iter()
            .filter(|(c, _)| c.condition.starts_with("hum"))
            .map(|(_, s)| *s),
    );
    assert!(hum.rpa >= 0.95, "hum: {hum}");
    // Sixteenths at 150–200 bpm (tuning part): note F 0.613 while a fast run's short notes
    // were merged into the note after them.
    let fast = summarize(
        tuning_pairs
            .iter()
            .filter(|(c, _)| c.material == "sixteenths")
            .map(|(_, s)| *s),
    );
    assert!(fast.note_f >= 0.64, "sixteenths: {fast}");
}

/// What the scorer said of one written note: its status, timing error (ms) and the MIDI note
/// played.
type Verdict = (String, Option<f64>, Option<i32>);

/// Scores every take at advanced strictness on all cores: per take, the [`Verdict`] on each
/// written note.
fn score_all(takes: &[Take]) -> Vec<Vec<Verdict>> {
    par_map(takes, |t| {
        let a = analyse(&t.audio, &t.name);
        let ex = Exercise::parse(&t.exercise).unwrap_or_else(|e| panic!("{e}"));
        let s = score(
            &ex,
            &a.notes,
            &a.techniques,
            Strictness::Advanced,
            a.tuning_ref_hz,
        );
        if std::env::var("FRETWISE_DEBUG_TAKE").is_ok_and(|d| t.name.contains(&d)) {
            print_take(t, &s, &a);
        }
        if std::env::var_os("FRETWISE_DEBUG_TIMING").is_some() && t.part == broad::Part::Tuning {
            print_timing(t, &s, &a);
        }
        s.per_note
            .into_iter()
            .map(|r| (r.status, r.timing_error_ms, r.played_midi))
            .collect()
    })
}

/// Everything about one take, for `FRETWISE_DEBUG_TAKE=part-of-its-name`: each written note's
/// truth beside the scorer's verdict, the notes heard, and the attacks found.
fn print_take(t: &Take, s: &fretwise_audio::Score, a: &fretwise_audio::Analysis) {
    println!("{} map start {:.3}", t.name, s.summary.start_offset_s);
    if let Some(dir) = std::env::var_os("FRETWISE_DEBUG_WAV") {
        let path = std::path::Path::new(&dir).join("take.wav");
        std::fs::write(&path, wav(&t.audio, SR)).unwrap_or_else(|e| panic!("{e}"));
    }
    for (i, r) in s.per_note.iter().enumerate() {
        println!(
            "  {i:>2} midi {} truth {:?} sound {:?} off {:?} | {} exp {:?} err {:?}",
            r.expected_midi,
            t.truth[i],
            t.sound_s[i].map(|x| (x * 1000.0).round() / 1000.0),
            t.offset_ms[i].map(|x| x.round()),
            r.status,
            r.expected_time_s,
            r.timing_error_ms
        );
    }
    for n in &a.notes {
        println!(
            "  note {:.3}-{:.3} {} {:.0} pitch-start {:?}",
            n.onset_s, n.offset_s, n.midi, n.cents, n.onset_pitch_s
        );
    }
    for at in attacks(&t.audio) {
        println!("  attack {:.3} {:.1} dB", at.time_s, at.rise_db);
    }
    let pt = &a.pitch_track;
    let frames: Vec<String> = pt
        .f0_hz
        .iter()
        .enumerate()
        .map(|(k, &f)| {
            let m = if f > 0.0 {
                format!("{:.0}", 69.0 + 12.0 * (f / 440.0).log2())
            } else {
                "-".into()
            };
            format!("{:.3}:{m}", k as f64 * pt.hop_s)
        })
        .collect();
    println!("  frames {}", frames.join(" "));
}

/// For `FRETWISE_DEBUG_TIMING`: one tab-separated line per counted note of a tuning take (name,
/// index, truth, verdict, written MIDI, timing error ms, nearest attack from the played start ms,
/// that attack's rise dB, the note's intended offset ms, then the played note's three readings
/// of its start against the beat, ms: the attack's, its own partials' and its body's after a
/// pre-attack, NaN where there is none),
/// for tables of where timing goes wrong.
fn print_timing(t: &Take, s: &fretwise_audio::Score, a: &fretwise_audio::Analysis) {
    let attacks = attacks(&t.audio);
    for (i, n) in s.per_note.iter().enumerate() {
        let (Some(truth), Some(err), Some(exp)) =
            (t.truth[i], n.timing_error_ms, n.expected_time_s)
        else {
            continue;
        };
        let played = exp + err / 1000.0;
        let near = attacks.iter().min_by(|a, b| {
            (a.time_s - played)
                .abs()
                .total_cmp(&(b.time_s - played).abs())
        });
        let (adt, rise) = near.map_or((f64::NAN, f64::NAN), |a| {
            ((a.time_s - played) * 1000.0, a.rise_db)
        });
        let note = a.notes.iter().min_by(|x, y| {
            let d = |n: &fretwise_audio::Note| {
                (n.onset_s - played).abs().min(
                    n.onset_pitch_s
                        .map_or(f64::INFINITY, |p| (p - played).abs()),
                )
            };
            d(x).total_cmp(&d(y))
        });
        let (e1, e2, e3) = note.map_or((f64::NAN, f64::NAN, f64::NAN), |n| {
            (
                (n.onset_s - exp) * 1000.0,
                n.onset_pitch_s.map_or(f64::NAN, |p| (p - exp) * 1000.0),
                n.onset_body_s.map_or(f64::NAN, |p| (p - exp) * 1000.0),
            )
        });
        println!(
            "TIMING\t{}\t{}\t{}\t{}\t{}\t{:.1}\t{:.1}\t{:.1}\t{}\t{e1:.1}\t{e2:.1}\t{e3:.1}",
            t.name,
            i,
            truth,
            n.status,
            n.expected_midi,
            err,
            adt,
            rise,
            t.offset_ms[i].unwrap_or(f64::NAN)
        );
    }
}

/// Each counted written note of `t` whose verdict is not its truth: how far it was off, what the
/// scorer said, and the notes written and played.
fn print_misjudged(t: &Take, v: &[Verdict]) {
    let written: Vec<i64> = serde_json::from_str::<serde_json::Value>(&t.exercise)
        .ok()
        .and_then(|e| {
            e["notes"]
                .as_array()
                .map(|n| n.iter().filter_map(|x| x["midi"].as_i64()).collect())
        })
        .unwrap_or_default();
    for (i, ((truth, (status, err, midi)), off)) in
        t.truth.iter().zip(v).zip(&t.offset_ms).enumerate()
    {
        if truth.is_some_and(|x| x != status.as_str()) {
            println!(
                "    note {i}: truth {} ({:.0} ms off), said {status} ({err:?} ms) written {:?} played {midi:?}",
                truth.unwrap_or("-"),
                off.unwrap_or(f64::NAN),
                written.get(i)
            );
        }
    }
}

/// For `FRETWISE_DEV_SEEDS=1,2,…`: takes drawn from those seeds instead of the committed set's
/// (see `takes::dev_takes`), scored and reported like the tuning takes, never asserted on. More
/// material for finding where the scorer goes wrong without looking at the held-out part.
fn report_dev_takes(fonts: &[Font], instruments: &[common::recorded::Instrument]) {
    let Ok(seeds) = std::env::var("FRETWISE_DEV_SEEDS") else {
        return;
    };
    let takes: Vec<Take> = seeds
        .split(',')
        .filter_map(|s| s.trim().parse::<u64>().ok())
        .flat_map(|seed| takes::dev_takes(fonts, instruments, seed))
        .collect();
    let verdicts = score_all(&takes);
    let mut all = Detection::default();
    let mut styles: Vec<(&str, Detection)> = Vec::new();
    for (t, v) in takes.iter().zip(&verdicts) {
        let got: Vec<&str> = v.iter().map(|(s, _, _)| s.as_str()).collect();
        let mut d = Detection::default();
        d.add(&t.truth, &got);
        all.add(&t.truth, &got);
        match styles.iter_mut().find(|(s, _)| *s == t.style) {
            Some((_, g)) => g.add(&t.truth, &got),
            None => styles.push((t.style, d)),
        }
        println!("dev | {} | {d}", t.name);
        print_misjudged(t, v);
    }
    for (s, d) in &styles {
        println!("dev      | takes {s:<13} {d}");
    }
    println!(
        "dev      | takes all           {all} ({} takes)",
        takes.len()
    );
}

#[test]
fn deviations_in_broadened_takes_tuning_and_held_out() {
    let Some((fonts, instruments)) = sources() else {
        return;
    };
    report_dev_takes(&fonts, &instruments);
    let takes = takes::takes(&fonts, &instruments);
    let verdicts = score_all(&takes);
    let mut parts = [Detection::default(), Detection::default()];
    let mut styles: Vec<(&str, Detection)> = Vec::new();
    let mut held_styles: Vec<(&str, Detection)> = Vec::new();
    for (t, v) in takes.iter().zip(&verdicts) {
        let got: Vec<&str> = v.iter().map(|(s, _, _)| s.as_str()).collect();
        let mut d = Detection::default();
        d.add(&t.truth, &got);
        let (p, group) = match t.part {
            Part::Tuning => (0, &mut styles),
            Part::HeldOut => (1, &mut held_styles),
        };
        parts[p].add(&t.truth, &got);
        match group.iter_mut().find(|(s, _)| *s == t.style) {
            Some((_, g)) => g.add(&t.truth, &got),
            None => group.push((t.style, d)),
        }
        if t.part == Part::Tuning {
            println!("tuning | {} | {d}", t.name);
            print_misjudged(t, v);
        }
    }
    for (label, group) in [("tuning  ", &styles), ("held out", &held_styles)] {
        for (s, d) in group {
            println!("{label} | takes {s:<13} {d}");
        }
    }
    // How far the scorer puts notes that were played on the beat (tuning part): the spread
    // that the advanced tolerance (20 ms) has to hold.
    let mut on_time: Vec<f64> = takes
        .iter()
        .zip(&verdicts)
        .filter(|(t, _)| t.part == Part::Tuning)
        .flat_map(|(t, v)| {
            t.truth
                .iter()
                .zip(v)
                .filter(|(truth, _)| **truth == Some("ok"))
                .filter_map(|(_, (_, err, _))| err.map(f64::abs))
                .collect::<Vec<_>>()
        })
        .collect();
    on_time.sort_by(f64::total_cmp);
    let pct = |p: f64| on_time[((on_time.len() as f64 - 1.0) * p) as usize];
    println!(
        "tuning   | on-time notes: |timing error| p50 {:.1} p90 {:.1} p95 {:.1} ms, {:.1} % over 20 ms",
        pct(0.5),
        pct(0.9),
        pct(0.95),
        100.0 * on_time.iter().filter(|e| **e > 20.0).count() as f64 / on_time.len() as f64
    );
    let (tuning, held) = (parts[0], parts[1]);
    println!("tuning   | takes all           {tuning}");
    println!("held out | takes all           {held}");
    let counts = takes.iter().filter(|t| t.part == Part::Tuning).count();
    println!("takes: {counts} tuning, {} held out", takes.len() - counts);
    if std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_some() {
        assert_eq!(
            (counts, takes.len() - counts),
            (49, 23),
            "takes in each part"
        );
    }
    // Guards at or a little under what was measured on 2026-12-08, session 40 (docs/AUDIO.md):
    // held out meets issue 14's 0.95 / 0.95 (151 / 158 = 0.956, 0.968), one false deviation
    // from the bar.
    for (label, d, floor) in [
        ("tuning", tuning, [0.975, 0.99]),
        ("held out", held, [0.95, 0.96]),
    ] {
        assert!(
            d.precision() >= floor[0] && d.recall() >= floor[1],
            "{label}: {d} under {floor:?}"
        );
    }
}

#[test]
fn chords_in_broadened_clips_tuning_and_held_out() {
    let Some((fonts, instruments)) = sources() else {
        return;
    };
    let clips = chordset::chord_clips(&fonts, &instruments);
    let results: Vec<(f64, f64, f64)> = par_map(&clips, |c| {
        let a = analyse(&c.audio, &c.name);
        if c.part == Part::Tuning && std::env::var_os("FRETWISE_DEBUG_CHORDS").is_some() {
            let truth: Vec<String> = c
                .spans
                .iter()
                .map(|s| format!("{:.2} {}", s.0, s.2))
                .collect();
            let got: Vec<String> = a
                .chords
                .iter()
                .map(|s| format!("{:.2} {}", s.start_s, s.mirex))
                .collect();
            println!("{}\n  truth {truth:?}\n  got   {got:?}", c.name);
            if let Some(dir) = std::env::var_os("FRETWISE_DEBUG_WAV") {
                // The tuning clips and their labels, for looking at the chroma outside the test.
                let stem = c.name.replace([' ', '/', '+'], "_");
                let dir = std::path::Path::new(&dir);
                std::fs::write(dir.join(format!("{stem}.wav")), wav(&c.audio, SR))
                    .unwrap_or_else(|e| panic!("{e}"));
                let labels: String = c
                    .spans
                    .iter()
                    .map(|s| format!("{:.3}\t{:.3}\t{}\n", s.0, s.1, s.2))
                    .collect();
                std::fs::write(dir.join(format!("{stem}.lab")), labels)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        chordset::overlap(c, &a.chords)
    });
    let total = |part: Part, pick: &dyn Fn(&ChordClip) -> bool| {
        let (mut mm, mut sev, mut t, mut n) = (0.0, 0.0, 0.0, 0);
        for (c, r) in clips.iter().zip(&results) {
            if c.part == part && pick(c) {
                mm += r.0;
                sev += r.1;
                t += r.2;
                n += 1;
            }
        }
        (mm / f64::max(t, 1e-9), sev / f64::max(t, 1e-9), n)
    };
    for (c, r) in clips.iter().zip(&results) {
        if c.part == Part::Tuning {
            println!(
                "tuning | {} | majmin {:.3} sevenths {:.3}",
                c.name,
                r.0 / r.2.max(1e-9),
                r.1 / r.2.max(1e-9)
            );
        }
    }
    let mut conditions: Vec<&str> = clips.iter().map(|c| c.condition).collect();
    conditions.sort_unstable();
    conditions.dedup();
    for cond in conditions {
        let (mm, sev, n) = total(Part::Tuning, &|c| c.condition == cond);
        println!("tuning   | chords {cond:<16} majmin {mm:.3} sevenths {sev:.3} ({n} clips)");
    }
    let (tm, ts, tn) = total(Part::Tuning, &|_| true);
    let (hm, hs, hn) = total(Part::HeldOut, &|_| true);
    println!("tuning   | chords all  majmin {tm:.3} sevenths {ts:.3} ({tn} clips)");
    println!("held out | chords all  majmin {hm:.3} sevenths {hs:.3} ({hn} clips)");
    if std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_some() {
        assert_eq!((tn, hn), (35, 16), "chord clips in each part");
    }
    // Guards a little under what was measured on 2026-12-07 (docs/AUDIO.md); held out, issue
    // 14's bars are 0.92 / 0.88. The tuning part is what the chord model was fitted on.
    assert!(tm >= 0.94 && ts >= 0.90, "tuning: {tm:.3} / {ts:.3}");
    assert!(hm >= 0.96 && hs >= 0.89, "held out: {hm:.3} / {hs:.3}");
}

/// The chord model's learned part (`src/chord_model.rs`) is what fitting it on the tuning part's
/// chord clips gives, never the held-out part's. After a change to the features, write it anew
/// with `FRETWISE_WRITE_CHORD_MODEL=1 cargo test --workspace --test broad -- chord_model`.
#[test]
fn chord_model_is_fitted_on_the_tuning_part_only() {
    let Some((fonts, instruments)) = sources() else {
        return;
    };
    let clips = chordset::chord_clips(&fonts, &instruments);
    let tuning: Vec<&ChordClip> = clips.iter().filter(|c| c.part == Part::Tuning).collect();
    // The committed model was fitted on all 35 tuning clips; with a source missing the fit
    // differs, so there is nothing to compare.
    if std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_some() {
        assert_eq!(tuning.len(), 35, "tuning chord clips");
    } else if tuning.len() != 35 {
        println!(
            "skipped: {} of 35 tuning chord clips (a source is missing)",
            tuning.len()
        );
        return;
    }
    let per_clip = par_map(&tuning, |c| {
        let samples = fretwise_audio::resample(&c.audio, SR, fretwise_audio::ANALYSIS_RATE)
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        fretwise_audio::chord_features(&samples)
            .into_iter()
            .filter_map(|(t, v)| {
                let (_, _, label) = c.spans.iter().find(|s| s.0 <= t && t < s.1)?;
                let (root, quality) = chordset::sevenths(label)?;
                let q = fretwise_audio::ChordModel::quality_index(quality)?;
                Some((v, root as usize, q))
            })
            .collect::<Vec<_>>()
    });
    let frames: Vec<_> = per_clip.into_iter().flatten().collect();
    println!(
        "fitting on {} frames of {} tuning clips",
        frames.len(),
        tuning.len()
    );
    let fitted = fretwise_audio::ChordModel::fit(&frames).to_rust();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/chord_model.rs");
    if std::env::var_os("FRETWISE_WRITE_CHORD_MODEL").is_some() {
        std::fs::write(&path, &fitted).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let committed =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        committed == fitted,
        "{} is not what the tuning part fits; write it anew (see this test's doc comment)",
        path.display()
    );
}

/// What the tuner read in a clip: per note it should read (unbent, ≥ 150 ms, so an 80 ms
/// answer lands inside it) the stream time from its start to the first reading of its pitch
/// (within 50 cents), if any; and of its voiced readings from 60 ms into such a note on, how
/// many there were and how many were right.
fn tuner_latencies(clip: &Clip) -> (Vec<Option<f64>>, usize, usize) {
    let mut streamer =
        fretwise_audio::Streamer::new(SR).unwrap_or_else(|e| panic!("{}: {e}", clip.name));
    let events: Vec<fretwise_audio::StreamEvent> = clip
        .audio
        .chunks(256)
        .flat_map(|c| streamer.push(c))
        .collect();
    let notes: Vec<(&broad::TruthNote, f64)> = clip
        .notes
        .iter()
        .filter(|n| n.bend.is_empty() && n.end - n.onset >= 0.15)
        .map(|n| (n, common::midi_hz(n.midi)))
        .collect();
    let lat = notes
        .iter()
        .map(|(n, hz)| common::tuner_latency(&events, n.onset, n.end, *hz))
        .collect();
    let (mut inside, mut good) = (0, 0);
    for e in &events {
        if let fretwise_audio::StreamEvent::Pitch(r) = e
            && r.f0_hz > 0.0
            && let Some((_, hz)) = notes
                .iter()
                .find(|(n, _)| r.time_s >= n.onset + 0.06 && r.time_s <= n.end)
        {
            inside += 1;
            good += usize::from(common::reads(r, *hz));
        }
    }
    (lat, inside, good)
}

/// Notes, share read, median and 95th percentile latency (ms), share read within 80 ms.
fn tuner_summary(lat: &[Option<f64>]) -> (usize, f64, f64, f64, f64) {
    let mut read: Vec<f64> = lat.iter().flatten().copied().collect();
    read.sort_by(f64::total_cmp);
    let n = lat.len().max(1) as f64;
    let at = |q: f64| {
        read.get(((read.len() as f64 - 1.0) * q).round() as usize)
            .map_or(f64::NAN, |v| v * 1000.0)
    };
    let fast = read.iter().filter(|l| **l < 0.08).count() as f64 / n;
    (lat.len(), read.len() as f64 / n, at(0.5), at(0.95), fast)
}

/// The streaming tuner on the broadened clips: how soon each note's pitch is read. Per-clip
/// lines for the tuning part only, totals for the held-out part.
#[test]
fn tuner_latency_in_broadened_clips_tuning_and_held_out() {
    let Some((fonts, instruments)) = sources() else {
        return;
    };
    let clips = broad::clips(&fonts, &instruments);
    let lats = par_map(&clips, tuner_latencies);
    let mut totals = Vec::new();
    for part in [Part::Tuning, Part::HeldOut] {
        let (mut all, mut inside, mut good) = (Vec::new(), 0, 0);
        for (clip, (lat, i, g)) in clips.iter().zip(&lats).filter(|(c, _)| c.part == part) {
            if part == Part::Tuning && !lat.is_empty() {
                let (n, read, p50, p95, fast) = tuner_summary(lat);
                println!(
                    "tuner tuning {:<48} {n:>3} notes, read {read:.3}, p50 {p50:.0} ms, p95 {p95:.0} ms, within 80 ms {fast:.3}, readings right {g}/{i}",
                    clip.name
                );
            }
            all.extend_from_slice(lat);
            inside += i;
            good += g;
        }
        let (n, read, p50, p95, fast) = tuner_summary(&all);
        let right = good as f64 / inside.max(1) as f64;
        println!(
            "tuner {part:?} total: {n} notes, read {read:.3}, latency p50 {p50:.1} ms, p95 {p95:.1} ms, read within 80 ms {fast:.3}; readings from 60 ms in right {right:.3} ({good}/{inside})"
        );
        totals.push((n, read, fast, right));
    }
    if std::env::var_os("FRETWISE_REQUIRE_SOUNDFONTS").is_some() {
        for (n, read, fast, right) in totals {
            assert!(n > 300, "{n} notes");
            assert!(
                read >= 0.95 && fast >= 0.9 && right >= 0.9,
                "read {read}, within 80 ms {fast}, readings right {right}"
            );
        }
    }
}
