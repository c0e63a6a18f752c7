//! The issue's examples and the properties every answer must have.

use fretwise_theory::{
    Chord, Interval, Key, Note, PitchClass, Scale, Tuning, analyze_progression, answer,
    capo_shapes_sound_in, chord_types, identify, run_batch, scale_types, transpose_progression,
};
use proptest::prelude::*;

fn names(symbol: &str) -> Vec<String> {
    Chord::parse(symbol)
        .unwrap_or_else(|e| panic!("{symbol}: {e}"))
        .note_names()
}

#[test]
fn guitarists_chord_symbols_are_spelled_correctly() {
    let cases: &[(&str, &[&str])] = &[
        ("C", &["C", "E", "G"]),
        ("Cm", &["C", "Eb", "G"]),
        ("Cmin", &["C", "Eb", "G"]),
        ("C-", &["C", "Eb", "G"]),
        ("C7", &["C", "E", "G", "Bb"]),
        ("Cmaj7", &["C", "E", "G", "B"]),
        ("CM7", &["C", "E", "G", "B"]),
        ("CΔ7", &["C", "E", "G", "B"]),
        ("Cm7", &["C", "Eb", "G", "Bb"]),
        ("C-7", &["C", "Eb", "G", "Bb"]),
        ("Cm7b5", &["C", "Eb", "Gb", "Bb"]),
        ("Cø7", &["C", "Eb", "Gb", "Bb"]),
        ("Cdim", &["C", "Eb", "Gb"]),
        ("C°", &["C", "Eb", "Gb"]),
        ("Cdim7", &["C", "Eb", "Gb", "Bbb"]),
        ("C°7", &["C", "Eb", "Gb", "Bbb"]),
        ("Caug", &["C", "E", "G#"]),
        ("C+", &["C", "E", "G#"]),
        ("C6", &["C", "E", "G", "A"]),
        ("Cm6", &["C", "Eb", "G", "A"]),
        ("C6/9", &["C", "E", "G", "A", "D"]),
        ("C9", &["C", "E", "G", "Bb", "D"]),
        ("Cmaj9", &["C", "E", "G", "B", "D"]),
        ("C11", &["C", "G", "Bb", "D", "F"]),
        ("C13", &["C", "E", "G", "Bb", "D", "A"]),
        ("C7b9", &["C", "E", "G", "Bb", "Db"]),
        ("C7#9", &["C", "E", "G", "Bb", "D#"]),
        ("C7#11", &["C", "E", "G", "Bb", "F#"]),
        ("C7b13", &["C", "E", "Bb", "Ab"]),
        ("C7alt", &["C", "E", "G#", "Bb", "D#"]),
        ("Cadd9", &["C", "E", "G", "D"]),
        ("Cadd2", &["C", "E", "G", "D"]),
        ("Csus2", &["C", "D", "G"]),
        ("Csus4", &["C", "F", "G"]),
        ("C7sus4", &["C", "F", "G", "Bb"]),
        ("C5", &["C", "G"]),
        ("CmMaj7", &["C", "Eb", "G", "B"]),
        ("C#m7", &["C#", "E", "G#", "B"]),
        ("F#7", &["F#", "A#", "C#", "E"]),
        ("Gb7", &["Gb", "Bb", "Db", "Fb"]),
        ("E#", &["E#", "G##", "B#"]),
        ("C7(b9)", &["C", "E", "G", "Bb", "Db"]),
    ];
    for (symbol, want) in cases {
        assert_eq!(names(symbol), *want, "{symbol}");
    }
}

#[test]
fn slash_chords_put_the_bass_first() {
    assert_eq!(names("C/E"), ["E", "G", "C"]);
    assert_eq!(names("G7/B"), ["B", "D", "F", "G"]);
    assert_eq!(names("D/C"), ["C", "D", "F#", "A"]);
    assert_eq!(
        answer(r#"{"op":"chord","symbol":"C/E"}"#),
        r#"{"bass":"E","notes":["E","G","C"]}"#
    );
}

#[test]
fn chord_tones_are_named() {
    let t = Chord::parse("G7b9").unwrap().tone_functions();
    let f: Vec<(&str, &str)> = t
        .iter()
        .map(|x| (x.note.as_str(), x.function.as_str()))
        .collect();
    assert_eq!(
        f,
        [
            ("G", "root"),
            ("B", "major 3rd"),
            ("D", "perfect 5th"),
            ("F", "minor 7th"),
            ("Ab", "flat 9th")
        ]
    );
}

#[test]
fn the_vocabulary_is_at_least_the_reference_size() {
    assert!(chord_types().len() >= 100, "{}", chord_types().len());
    assert!(scale_types().len() >= 90, "{}", scale_types().len());
}

#[test]
fn intervals_between_and_transposition() {
    let i = |a: &str, b: &str| Interval::between(&a.parse().unwrap(), &b.parse().unwrap());
    assert_eq!(i("C4", "G4").to_string(), "5P");
    assert_eq!(i("C4", "G4").semitones(), 7);
    assert_eq!(i("G4", "C4").to_string(), "-5P");
    assert_eq!(i("C4", "E5").to_string(), "10M");
    assert_eq!(i("C", "F#").to_string(), "4A");
    assert_eq!(i("C", "Gb").to_string(), "5d");
    let t = |n: &str, iv: &str| {
        n.parse::<Note>()
            .unwrap()
            .transpose(&iv.parse().unwrap())
            .to_string()
    };
    assert_eq!(t("F#3", "m3"), "A3");
    assert_eq!(t("F#3", "3m"), "A3");
    assert_eq!(t("C", "A4"), "F#");
    assert_eq!(t("D", "d8"), "Db");
    assert_eq!(t("E4", "-M2"), "D4");
    assert_eq!(
        "M3".parse::<Interval>().unwrap().invert().short_name(),
        "m6"
    );
    assert_eq!(
        "A4".parse::<Interval>().unwrap().invert().short_name(),
        "d5"
    );
    assert_eq!("m9".parse::<Interval>().unwrap().long_name(), "minor ninth");
    assert!("X9".parse::<Interval>().is_err());
    assert!("M5".parse::<Interval>().is_err());
}

#[test]
fn notes_midi_frequency_and_enharmonics() {
    let n = |s: &str| s.parse::<Note>().unwrap();
    assert_eq!(n("C4").midi(), Some(60));
    assert_eq!(n("B#3").midi(), Some(60));
    assert_eq!(n("Cb4").midi(), Some(59));
    assert!((n("A4").frequency(440.0).unwrap() - 440.0).abs() < 1e-9);
    assert!((n("A4").frequency(432.0).unwrap() - 432.0).abs() < 1e-9);
    assert!((n("E2").frequency(440.0).unwrap() - 82.4069).abs() < 1e-3);
    let (cs, db): (PitchClass, PitchClass) = ("C#".parse().unwrap(), "Db".parse().unwrap());
    assert!(cs.is_enharmonic(db));
    assert_ne!(cs, db);
    assert_ne!(
        "E#".parse::<PitchClass>().unwrap(),
        "F".parse::<PitchClass>().unwrap()
    );
    assert!("H".parse::<Note>().is_err());
    assert!("C99".parse::<Note>().is_err());
}

#[test]
fn scales_and_what_fits_them() {
    let s = |t: &str| Scale::parse(t).unwrap().note_names();
    assert_eq!(s("D dorian"), ["D", "E", "F", "G", "A", "B", "C"]);
    assert_eq!(s("A minor pentatonic"), ["A", "C", "D", "E", "G"]);
    assert_eq!(s("E blues"), ["E", "G", "A", "Bb", "B", "D"]);
    assert_eq!(s("G altered"), ["G", "Ab", "A#", "B", "C#", "Eb", "F"]);
    assert_eq!(s("C whole tone"), ["C", "D", "E", "F#", "G#", "A#"]);
    assert_eq!(
        s("F# harmonic minor"),
        ["F#", "G#", "A", "B", "C#", "D", "E#"]
    );
    assert_eq!(s("C chromatic").len(), 12);
    assert!(Scale::parse("C nonsense").is_err());
    let chords: Vec<String> = Scale::parse("C major")
        .unwrap()
        .fitting_chords()
        .iter()
        .map(|c| c.to_string())
        .collect();
    for c in [
        "C", "Dm", "Em", "F", "G", "Am", "Bdim", "G7", "Cmaj7", "Bm7b5",
    ] {
        assert!(
            chords.contains(&c.to_string()),
            "{c} fits C major: {chords:?}"
        );
    }
    assert!(!chords.contains(&"E".to_string()));
    let scales: Vec<String> = Scale::fitting_scales(&Chord::parse("G7").unwrap())
        .iter()
        .map(|s| s.scale_type().name.clone())
        .collect();
    assert!(scales.contains(&"mixolydian".to_string()), "{scales:?}");
    assert!(!scales.contains(&"major".to_string()));
}

#[test]
fn keys_signatures_and_diatonic_chords() {
    let k = Key::parse("E major").unwrap();
    let t: Vec<String> = k.triads().iter().map(|c| c.to_string()).collect();
    assert_eq!(t, ["E", "F#m", "G#m", "A", "B", "C#m", "D#dim"]);
    let s: Vec<String> = k.sevenths().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        s,
        ["Emaj7", "F#m7", "G#m7", "Amaj7", "B7", "C#m7", "D#m7b5"]
    );
    assert_eq!(k.signature(), 4);
    assert_eq!(
        Key::parse("Bb major").unwrap().signature_notes(),
        ["Bb", "Eb"]
    );
    assert_eq!(Key::parse("C# minor").unwrap().signature(), 4);
    let hm: Vec<String> = Key::parse("C# harmonic minor")
        .unwrap()
        .triads()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(hm, ["C#m", "D#dim", "Eaug", "F#m", "G#", "A", "B#dim"]);
    assert_eq!(
        Key::parse("C major").unwrap().relative().to_string(),
        "A minor"
    );
    assert_eq!(
        Key::parse("A minor").unwrap().relative().to_string(),
        "C major"
    );
    assert_eq!(
        Key::parse("C major").unwrap().parallel().to_string(),
        "C minor"
    );
    let circle: Vec<String> = Key::circle_of_fifths()
        .iter()
        .map(|k| k.tonic.to_string())
        .collect();
    assert_eq!(circle.first().unwrap(), "Cb");
    assert_eq!(circle[7], "C");
    assert_eq!(circle.last().unwrap(), "C#");
    assert!(Key::parse("H major").is_err());
}

#[test]
fn roman_numerals_and_secondary_dominants() {
    let c = Key::parse("C major").unwrap();
    let r: Vec<String> = analyze_progression("Dm7 G7 Cmaj7", &c)
        .unwrap()
        .into_iter()
        .map(|r| r.numeral)
        .collect();
    assert_eq!(r, ["ii7", "V7", "Imaj7"]);
    let r: Vec<String> = analyze_progression("C A7 Dm7 D7 G7 C", &c)
        .unwrap()
        .into_iter()
        .map(|r| r.numeral)
        .collect();
    assert_eq!(r, ["I", "V7/ii", "ii7", "V7/V", "V7", "I"]);
    let r: Vec<String> = analyze_progression("C Bb F C", &c)
        .unwrap()
        .into_iter()
        .map(|r| r.numeral)
        .collect();
    assert_eq!(r, ["I", "bVII", "IV", "I"]);
    let am = Key::parse("A minor").unwrap();
    let r = analyze_progression("Am Dm E7 Am", &am).unwrap();
    let n: Vec<&str> = r.iter().map(|r| r.numeral.as_str()).collect();
    assert_eq!(n, ["i", "iv", "V7", "i"]);
    assert!(r[2].diatonic, "E7 belongs to A harmonic minor");
}

#[test]
fn capo_and_transposition() {
    let g: PitchClass = "G".parse().unwrap();
    assert_eq!(capo_shapes_sound_in(g, 3).to_string(), "Bb");
    assert_eq!(capo_shapes_sound_in(g, 2).to_string(), "A");
    let c: PitchClass = "C".parse().unwrap();
    assert_eq!(capo_shapes_sound_in(c, 1).to_string(), "Db");
    let e: PitchClass = "E".parse().unwrap();
    assert_eq!(capo_shapes_sound_in(e, 4).to_string(), "Ab");
    let p: Vec<String> = transpose_progression("G Em C D7", &"M2".parse().unwrap())
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(p, ["A", "F#m", "D", "E7"]);
}

#[test]
fn identification_handles_inversions_and_omitted_fifths() {
    let id = |ns: &[&str]| -> Vec<String> {
        let pcs: Vec<PitchClass> = ns.iter().map(|n| n.parse().unwrap()).collect();
        identify(&pcs).into_iter().map(|c| c.symbol).collect()
    };
    assert_eq!(id(&["E", "G", "C"])[0], "C/E");
    assert_eq!(id(&["C", "E", "G"])[0], "C");
    assert_eq!(id(&["G", "B", "F"])[0], "G7");
    assert_eq!(id(&["C", "E", "Bb"])[0], "C7");
    assert_eq!(id(&["A", "C", "E", "G"])[0], "Am7");
    assert_eq!(id(&["C", "E", "G", "A"])[0], "C6");
    assert_eq!(id(&["B", "D", "F", "A"])[0], "Bm7b5");
    assert_eq!(id(&["F#", "A#", "C#"])[0], "F#");
    assert!(id(&["C"]).is_empty());
    assert!(
        answer(r#"{"op":"identify","notes":["E","G","C"]}"#).starts_with(r#"{"chords":["C/E""#)
    );
}

#[test]
fn fretboard_notes_and_positions() {
    let t = Tuning::standard();
    assert_eq!(t.note_at(6, 5, true).unwrap().to_string(), "A2");
    assert_eq!(t.note_at(1, 0, true).unwrap().to_string(), "E4");
    assert_eq!(t.note_at(3, 4, true).unwrap().to_string(), "B3");
    assert!(t.note_at(7, 0, true).is_err());
    let a2: Note = "A2".parse().unwrap();
    let p = t.positions(&a2, 12);
    assert_eq!(p.len(), 2, "{p:?}");
    let d = Tuning::named("drop D").unwrap();
    assert_eq!(d.note_at(6, 0, true).unwrap().to_string(), "D2");
    assert_eq!(Tuning::named("DADGAD").unwrap().strings.len(), 6);
    assert_eq!(Tuning::named("7-string").unwrap().strings.len(), 7);
    assert_eq!(Tuning::named("ukulele").unwrap().strings.len(), 4);
    let custom = Tuning::named("CGDGBD").unwrap();
    assert_eq!(
        custom
            .strings
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>(),
        ["C2", "G2", "D3", "G3", "B3", "D4"]
    );
    assert!(Tuning::named("nonsense tuning").is_err());
}

#[test]
fn batch_protocol_answers_every_line_in_order() {
    let input = [
        r#"{"op":"chord","symbol":"C#m7"}"#,
        r#"{"op":"scale","tonic":"D","name":"dorian"}"#,
        r#"{"op":"interval","from":"C4","to":"G4"}"#,
        r#"{"op":"transpose","note":"F#3","interval":"3m"}"#,
        r#"{"op":"key_chords","key":"E major"}"#,
        r#"{"op":"identify","notes":["E","G","C"]}"#,
        r#"{"op":"chord","symbol":"Hmaj7"}"#,
        "not json",
        "",
        r#"{"op":"launch_rockets"}"#,
    ]
    .join("\n");
    let mut out = Vec::new();
    let n = run_batch(input.as_bytes(), &mut out).unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(n, 10);
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[0]["notes"], serde_json::json!(["C#", "E", "G#", "B"]));
    assert_eq!(
        lines[1]["notes"],
        serde_json::json!(["D", "E", "F", "G", "A", "B", "C"])
    );
    assert_eq!(
        lines[2],
        serde_json::json!({"interval": "5P", "semitones": 7})
    );
    assert_eq!(lines[3], serde_json::json!({"note": "A3"}));
    assert_eq!(lines[4]["triads"][6], "D#dim");
    assert_eq!(lines[5]["chords"][0], "C/E");
    for l in &lines[6..] {
        assert!(l["error"].is_string(), "{l}");
    }
}

const ROOTS: [&str; 17] = [
    "C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B",
];
const INTERVALS: [&str; 16] = [
    "1P", "2m", "2M", "3m", "3M", "4P", "4A", "5d", "5P", "6m", "6M", "7m", "7M", "8P", "9m", "10M",
];

proptest! {
    #[test]
    fn transposition_round_trips(root in 0..17usize, iv in 0..16usize, octave in 1..7i32) {
        let n: Note = format!("{}{}", ROOTS[root], octave).parse().unwrap();
        let i: Interval = INTERVALS[iv].parse().unwrap();
        let up = n.transpose(&i);
        let down = up.transpose(&Interval::from_steps(-i.steps(), -i.semitones()));
        prop_assert_eq!(down, n);
        prop_assert_eq!(up.midi().unwrap() - n.midi().unwrap(), i.semitones());
        prop_assert_eq!(Interval::between(&n, &up), i);
    }

    #[test]
    fn inversions_sum_to_an_octave(iv in 0..13usize) {
        let i: Interval = INTERVALS[iv].parse().unwrap();
        let inv = i.invert();
        prop_assert_eq!(i.semitones() + inv.semitones(), 12);
        prop_assert_eq!(i.number() + inv.number(), 9);
    }

    #[test]
    fn chords_stack_letters_as_their_intervals_say(root in 0..17usize, t in 0..400usize) {
        let ct = &chord_types()[t % chord_types().len()];
        // Built from parts: some symbols are ambiguous as text ("Db" + "b9sus" reads as "Dbb9sus").
        let chord = Chord::from_parts(ROOTS[root].parse().unwrap(), ct, None);
        let root_pc = chord.root;
        for (note, iv) in chord.tones().iter().zip(&ct.intervals) {
            // Each tone's letter is exactly `steps` letters above the root's letter ...
            prop_assert_eq!((note.letter.index() - root_pc.letter.index()).rem_euclid(7), iv.steps().rem_euclid(7));
            // ... and sounds exactly `semitones` above it.
            prop_assert_eq!((note.semitone() - root_pc.semitone()).rem_euclid(12), iv.semitones().rem_euclid(12));
        }
    }

    #[test]
    fn enharmonic_roots_give_enharmonic_chords(t in 0..400usize) {
        let ct = &chord_types()[t % chord_types().len()];
        let a = Chord::from_parts("C#".parse().unwrap(), ct, None).notes();
        let b = Chord::from_parts("Db".parse().unwrap(), ct, None).notes();
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(x.is_enharmonic(*y));
            prop_assert_ne!(x.letter, y.letter);
        }
    }

    #[test]
    fn batch_never_crashes_on_arbitrary_lines(line in "\\PC{0,80}") {
        let a = answer(&line);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&a).is_ok());
    }
}

#[test]
fn key_estimates_follow_the_notes_played() {
    use fretwise_theory::Key;
    let key = |notes: &[(usize, f64)]| {
        let mut w = [0.0; 12];
        for (pc, d) in notes {
            w[*pc] += d;
        }
        Key::estimate(&w).map(|(k, _)| k.to_string())
    };
    // E F# A B G A G A B A B E: the profile alone says E major; the G natural rules it out.
    let phrase = [
        (4, 0.6),
        (6, 0.3),
        (9, 0.3),
        (11, 0.3),
        (7, 0.3),
        (9, 0.6),
        (7, 0.3),
        (9, 0.3),
        (11, 0.6),
        (9, 0.3),
        (11, 0.3),
        (4, 1.2),
    ];
    assert_eq!(key(&phrase).as_deref(), Some("E minor"));
    // The C major scale with C held: C major, not A minor.
    let scale = [
        (0, 2.0),
        (2, 0.5),
        (4, 1.0),
        (5, 0.5),
        (7, 1.0),
        (9, 0.5),
        (11, 0.5),
    ];
    assert_eq!(key(&scale).as_deref(), Some("C major"));
    // A# minor is spelled Bb minor (5 flats, not 7 sharps); G# minor keeps its sharps.
    let bbm = [(10, 2.0), (1, 1.0), (3, 0.5), (5, 1.0), (8, 0.5), (10, 1.0)];
    assert_eq!(key(&bbm).as_deref(), Some("Bb minor"));
    let gsm = [(8, 2.0), (11, 1.0), (1, 0.5), (3, 1.0), (6, 0.5), (8, 1.0)];
    assert_eq!(key(&gsm).as_deref(), Some("G# minor"));
    assert_eq!(key(&[]), None);
}
