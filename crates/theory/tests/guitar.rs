//! Voicings, diagrams and tablature.

use fretwise_theory::{
    Chord, Tab, Technique, Tuning, VoicingOptions, diagram_svg, diagram_text, voicings,
};

fn shapes(symbol: &str, tuning: &Tuning, n: usize) -> Vec<String> {
    voicings(
        &Chord::parse(symbol).unwrap(),
        tuning,
        &VoicingOptions::default(),
    )
    .iter()
    .take(n)
    .map(|v| v.shape())
    .collect()
}

#[test]
fn cowboy_chords_rank_first() {
    let t = Tuning::standard();
    for (symbol, shape) in [
        ("C", "x32010"),
        ("Am", "x02210"),
        ("Am7", "x02010"),
        ("E", "022100"),
        ("Em", "022000"),
        ("D", "xx0232"),
        ("A", "x02220"),
        ("G7", "320001"),
    ] {
        let s = shapes(symbol, &t, 3);
        assert!(
            s.contains(&shape.to_string()),
            "{symbol}: expected {shape} among {s:?}"
        );
    }
    let g = shapes("G", &t, 3);
    assert!(g.iter().any(|s| s == "320003" || s == "320033"), "G: {g:?}");
}

#[test]
fn barre_chords_have_a_barre_and_four_fingers_at_most() {
    let t = Tuning::standard();
    let v = voicings(
        &Chord::parse("F").unwrap(),
        &t,
        &VoicingOptions {
            limit: 40,
            ..Default::default()
        },
    );
    let full = v
        .iter()
        .find(|v| v.shape() == "133211")
        .expect("the E-shape F barre chord");
    assert_eq!(full.barre, Some((1, 0, 5)));
    assert_eq!(full.kind, "barre");
    let bm = voicings(
        &Chord::parse("Bm").unwrap(),
        &t,
        &VoicingOptions {
            limit: 40,
            ..Default::default()
        },
    );
    assert!(
        bm.iter().any(|v| v.shape() == "x24432"),
        "{:?}",
        bm.iter().map(|v| v.shape()).collect::<Vec<_>>()
    );
    for v in v.iter().chain(&bm) {
        assert!(v.fingers.iter().flatten().all(|&f| f <= 4));
        let fretted: Vec<u32> = v
            .frets
            .iter()
            .flatten()
            .copied()
            .filter(|&f| f > 0)
            .collect();
        if let (Some(mn), Some(mx)) = (fretted.iter().min(), fretted.iter().max()) {
            assert!(mx - mn <= 3, "{} spans too far", v.shape());
        }
    }
}

#[test]
fn every_voicing_sounds_only_chord_tones_with_the_right_bass() {
    let t = Tuning::standard();
    for symbol in [
        "C", "Cmaj7", "G7", "Dm7", "F#m7b5", "Bb", "Ebmaj7", "C/E", "D/F#", "A7sus4", "E5",
    ] {
        let chord = Chord::parse(symbol).unwrap();
        let tones: Vec<i32> = chord.notes().iter().map(|p| p.semitone()).collect();
        let vs = voicings(&chord, &t, &VoicingOptions::default());
        assert!(!vs.is_empty(), "{symbol}: no voicing");
        for v in vs {
            let sounding: Vec<i32> = v
                .frets
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.map(|f| t.strings[i].midi().unwrap() + f as i32))
                .collect();
            assert!(
                sounding.iter().all(|m| tones.contains(&m.rem_euclid(12))),
                "{symbol} {}",
                v.shape()
            );
            let lowest = sounding.iter().min().unwrap();
            assert_eq!(
                lowest.rem_euclid(12),
                chord.notes()[0].semitone(),
                "{symbol} {} bass",
                v.shape()
            );
        }
    }
}

#[test]
fn other_tunings_and_instruments() {
    let dadgad = Tuning::named("DADGAD").unwrap();
    assert!(!shapes("D", &dadgad, 5).is_empty());
    // The ukulele's re-entrant G string is higher than its C string: C is 0003.
    let uke = Tuning::named("ukulele").unwrap();
    assert!(
        shapes("C", &uke, 3).contains(&"0003".to_string()),
        "{:?}",
        shapes("C", &uke, 3)
    );
}

#[test]
fn diagrams_render() {
    let t = Tuning::standard();
    let v = &voicings(&Chord::parse("C").unwrap(), &t, &VoicingOptions::default())[0];
    let text = diagram_text("C", v, &t);
    assert!(text.starts_with("C  x32010"), "{text}");
    assert!(text.lines().nth(1) == Some("  x     o   o"), "{text}");
    assert!(text.contains('●'));
    let svg = diagram_svg("C<&>", v);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("C&lt;&amp;&gt;"));
    assert_eq!(svg.matches("<circle").count(), 5, "3 fretted + 2 open");
}

const RIFF: &str = "\
Intro riff (tempo 90)
e|-------------------|-------------------|
B|-------------------|--------8b10r8-----|
G|-----5h7--7p5------|--7~---------------|
D|---7---------7/9---|-------------------|
A|-5-----------------|-------------------|
E|---------------x---|-------------------|
";

#[test]
fn tab_parses_techniques_and_timing() {
    let tab = Tab::parse(RIFF).unwrap();
    assert_eq!(tab.labels, ["e", "B", "G", "D", "A", "E"]);
    let ev = &tab.events;
    let first = &ev[0];
    assert_eq!(
        (first.string, first.fret, first.technique),
        (5, Some(5), Technique::Picked)
    );
    assert_eq!(first.beat, Some(4.0 / 19.0));
    let hammer = ev
        .iter()
        .find(|e| e.technique == Technique::HammerOn)
        .unwrap();
    assert_eq!((hammer.string, hammer.fret), (3, Some(7)));
    let pull = ev
        .iter()
        .find(|e| e.technique == Technique::PullOff)
        .unwrap();
    assert_eq!(pull.fret, Some(5));
    let slide = ev
        .iter()
        .find(|e| e.technique == Technique::SlideUp)
        .unwrap();
    assert_eq!((slide.string, slide.fret), (4, Some(9)));
    let dead = ev.iter().find(|e| e.technique == Technique::Dead).unwrap();
    assert_eq!((dead.string, dead.fret), (6, None));
    let bend = ev
        .iter()
        .find(|e| e.technique == Technique::BendRelease)
        .unwrap();
    assert_eq!((bend.fret, bend.target_fret), (Some(8), Some(10)));
    assert!(bend.beat.unwrap() >= 4.0, "second bar");
    assert!(ev.iter().any(|e| e.vibrato && e.fret == Some(7)));
    let notes = tab.notes(&Tuning::standard());
    assert_eq!(notes[0].unwrap().to_string(), "D3");
}

#[test]
fn tab_round_trips_through_render() {
    let tab = Tab::parse(RIFF).unwrap();
    let text = tab.render();
    let again = Tab::parse(&text).unwrap();
    let key = |t: &Tab| {
        t.events
            .iter()
            .map(|e| (e.string, e.fret, e.technique, e.target_fret, e.vibrato))
            .collect::<Vec<_>>()
    };
    assert_eq!(key(&tab), key(&again), "{text}");
}

#[test]
fn not_a_tab_is_an_error() {
    assert!(Tab::parse("hello\nworld").is_err());
    assert!(Tab::parse("").is_err());
}

#[test]
fn scale_maps_boxes_and_three_notes_per_string() {
    use fretwise_theory::{Scale, scale_map, scale_patterns};
    let t = Tuning::standard();
    let am = Scale::parse("A minor pentatonic").unwrap();
    let boxes = scale_patterns(&am, &t);
    assert_eq!(boxes.len(), 5);
    let frets = |i: usize| boxes[i].notes.iter().map(|n| n.fret).collect::<Vec<_>>();
    // Box positions start on each degree: 0 (G), 3 (A)... sorted by the first fret.
    assert!(
        boxes
            .iter()
            .any(|b| b.notes.iter().map(|n| n.fret).collect::<Vec<_>>()
                == [5, 8, 5, 7, 5, 7, 5, 7, 5, 8, 5, 8])
    );
    assert!(
        boxes
            .iter()
            .any(|b| b.notes.iter().map(|n| n.fret).collect::<Vec<_>>()
                == [8, 10, 7, 10, 7, 10, 7, 9, 8, 10, 8, 10])
    );
    assert!(
        boxes.iter().all(|b| b.stretch <= 3),
        "{:?}",
        (0..5).map(frets).collect::<Vec<_>>()
    );
    let g = Scale::parse("G major").unwrap();
    let three = scale_patterns(&g, &t);
    assert_eq!(three.len(), 7);
    let from_g = three.iter().find(|p| p.start_degree == 1).unwrap();
    let f: Vec<u32> = from_g.notes.iter().map(|n| n.fret).collect();
    assert_eq!(f, [3, 5, 7, 3, 5, 7, 4, 5, 7, 4, 5, 7, 5, 7, 8, 5, 7, 8]);
    let map = scale_map(&am, &t, 0, 12);
    assert!(
        map.iter()
            .all(|n| ["A", "C", "D", "E", "G"].contains(&n.note.as_str()))
    );
    assert_eq!(
        map.iter().filter(|n| n.string == 6).count(),
        6,
        "E string 0–12: E G A C D E"
    );
}

#[test]
fn caged_shapes_of_c_and_am() {
    use fretwise_theory::caged_shapes;
    let c: Vec<(String, String)> = caged_shapes(&Chord::parse("C").unwrap())
        .into_iter()
        .map(|(n, v)| (n, v.shape()))
        .collect();
    assert_eq!(
        c,
        [
            ("C".to_string(), "x32010".to_string()),
            ("A".to_string(), "x35553".to_string()),
            ("G".to_string(), "875558".to_string()),
            ("E".to_string(), "8-10-10-9-8-8".to_string()),
            ("D".to_string(), "x-x-10-12-13-12".to_string()),
        ]
    );
    let am: Vec<String> = caged_shapes(&Chord::parse("Am").unwrap())
        .into_iter()
        .map(|(_, v)| v.shape())
        .collect();
    assert!(
        am.contains(&"x02210".to_string()) && am.contains(&"577555".to_string()),
        "{am:?}"
    );
    assert!(caged_shapes(&Chord::parse("C7").unwrap()).is_empty());
}
