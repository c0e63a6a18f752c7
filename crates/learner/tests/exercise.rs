//! Generated exercises: every concept gets one that scores, its tab reads back as the same notes,
//! and each concept's exercise trains what it says (open chords, barres, scale notes, legato,
//! bends, beginner limits, variants, tempo).

use fretwise_audio::{Exercise, ExpectedTechnique};
use fretwise_knowledge::{Concept, Ontology};
use fretwise_learner::{GeneratedExercise, LearnerError, exercise_for, start_tempo};
use fretwise_theory::{Interval, Note, Scale, Tuning};

const KINDS: [&str; 7] = [
    "chord-changes",
    "scale",
    "arpeggio",
    "rhythm",
    "technique",
    "notes",
    "intervals",
];

fn concept(id: &str) -> Concept {
    Ontology::builtin()
        .get(id)
        .unwrap_or_else(|| panic!("no concept {id}"))
        .clone()
}

fn generate(id: &str, variant: u32) -> GeneratedExercise {
    let c = concept(id);
    exercise_for(&c, start_tempo(&c), variant, "item-7")
        .unwrap_or_else(|e| panic!("{id} v{variant}: {e}"))
}

/// Pitch of a string and fret, from the theory engine.
fn pitch(string: usize, fret: u32) -> i32 {
    Tuning::standard()
        .note_at(string, fret, true)
        .unwrap()
        .midi()
        .unwrap()
}

fn pitches(e: &Exercise) -> Vec<i32> {
    e.notes
        .iter()
        .map(|n| pitch(n.string.unwrap(), n.fret.unwrap()))
        .collect()
}

/// Notes grouped by bar (four beats), as (string, fret) pairs.
fn bars(e: &Exercise) -> Vec<Vec<(usize, u32)>> {
    let mut out: Vec<Vec<(usize, u32)>> = Vec::new();
    for n in &e.notes {
        let bar = (n.beat / 4.0).floor() as usize;
        out.resize(out.len().max(bar + 1), Vec::new());
        out[bar].push((n.string.unwrap(), n.fret.unwrap()));
    }
    out.retain(|b| !b.is_empty());
    out
}

#[test]
fn every_concept_and_variant_scores_and_its_tab_reads_back_as_the_same_notes() {
    for c in Ontology::builtin().concepts() {
        for v in 0..3 {
            let g = exercise_for(c, start_tempo(c), v, "item-7")
                .unwrap_or_else(|e| panic!("{} v{v}: {e}", c.id));
            let what = format!("{} v{v}", c.id);
            assert!(KINDS.contains(&g.kind.as_str()), "{what}: kind {}", g.kind);
            assert!(!g.title.is_empty() && !g.instructions.is_empty(), "{what}");
            let json = serde_json::to_string(&g.exercise).unwrap();
            let e = Exercise::parse(&json).unwrap_or_else(|err| panic!("{what}: {err}\n{json}"));
            assert_eq!(e.id.as_deref(), Some("item-7"), "{what}");
            assert_eq!(e.concept.as_deref(), Some(c.id.as_str()), "{what}");
            // The MIDI in the JSON is the pitch at its string and fret.
            let json_pitches: Vec<i32> = e.notes.iter().map(|n| n.midi.unwrap()).collect();
            assert_eq!(json_pitches, pitches(&e), "{what}");
            // Monophonic: each note ends before the next one starts.
            for w in e.notes.windows(2) {
                assert!(
                    w[1].beat >= w[0].beat + w[0].duration_beats - 1e-9,
                    "{what}: overlapping notes"
                );
                assert!(w[0].duration_beats > 0.0, "{what}");
            }
            let tab = Exercise::from_tab(&g.tab, e.tempo_bpm)
                .unwrap_or_else(|err| panic!("{what}: {err}\n{}", g.tab));
            assert_eq!(pitches(&tab), json_pitches, "{what}: tab\n{}", g.tab);
            for (t, j) in tab.notes.iter().zip(&e.notes) {
                assert!(
                    (t.beat - j.beat).abs() < 1e-9,
                    "{what}: beat {} in tab, {} in JSON\n{}",
                    t.beat,
                    j.beat,
                    g.tab
                );
                assert_eq!(
                    t.technique, j.technique,
                    "{what}: technique at beat {}\n{}",
                    j.beat, g.tab
                );
                assert_eq!(t.bend_semitones, j.bend_semitones, "{what}");
            }
        }
    }
}

#[test]
fn beginner_exercises_stay_in_open_position_and_short() {
    let ontology = Ontology::builtin();
    let beginner: Vec<&Concept> = ontology
        .concepts()
        .iter()
        .filter(|c| c.difficulty <= 2)
        .collect();
    assert!(beginner.len() > 20);
    for c in beginner {
        for v in 0..3 {
            let g = exercise_for(c, 60.0, v, "x").unwrap();
            let max = g
                .exercise
                .notes
                .iter()
                .filter_map(|n| n.fret)
                .max()
                .unwrap();
            assert!(max <= 5, "{} v{v}: fret {max}", c.id);
            assert!(
                g.exercise.notes.len() <= 32,
                "{} v{v}: {} notes",
                c.id,
                g.exercise.notes.len()
            );
        }
    }
    // Harder concepts may leave open position.
    assert!(
        generate("caged", 0)
            .exercise
            .notes
            .iter()
            .any(|n| n.fret.unwrap() > 7)
    );
}

#[test]
fn open_chord_exercises_use_open_voicings_one_bar_per_chord() {
    for id in ["open-chords", "chords", "chord-changes"] {
        for v in 0..3 {
            let g = generate(id, v);
            assert_eq!(g.kind, "chord-changes");
            let bars = bars(&g.exercise);
            assert_eq!(bars.len(), 4, "{id} v{v}");
            for bar in bars {
                assert!(bar.len() >= 4, "{id} v{v}: {bar:?}");
                assert!(bar.iter().all(|&(_, f)| f <= 4), "{id} v{v}: {bar:?}");
                assert!(
                    bar.iter().any(|&(_, f)| f == 0),
                    "{id} v{v}: no open string in {bar:?}"
                );
                // Picked string by string from the bass up.
                assert!(
                    bar.windows(2).all(|w| w[0].0 > w[1].0),
                    "{id} v{v}: {bar:?}"
                );
            }
        }
    }
    let g = generate("open-chords", 0);
    assert!(g.title.starts_with("G – C – D – Em"), "{}", g.title);
    // G major open: 320003 picked low to high.
    assert_eq!(
        bars(&g.exercise)[0],
        [(6, 3), (5, 2), (4, 0), (3, 0), (2, 0), (1, 3)]
    );
}

#[test]
fn barre_chord_exercises_hold_a_barre_in_every_chord() {
    for v in 0..3 {
        for bar in bars(&generate("barre-chords", v).exercise) {
            let min = bar.iter().map(|p| p.1).min().unwrap();
            assert!(min >= 1 && bar.len() >= 5, "v{v}: {bar:?}");
            // The index finger lies across from the lowest sounding string to the high e.
            assert_eq!(bar.first().unwrap().1, min, "v{v}: {bar:?}");
            assert_eq!(*bar.last().unwrap(), (1, min), "v{v}: {bar:?}");
        }
    }
}

#[test]
fn scale_exercises_play_only_notes_of_their_scale_from_tonic_to_tonic() {
    let ontology = Ontology::builtin();
    let mut checked = 0;
    for c in ontology.concepts() {
        for v in 0..3 {
            let g = exercise_for(c, 80.0, v, "x").unwrap();
            if g.kind != "scale" {
                continue;
            }
            let name = g.title.split(" in ").next().unwrap();
            let scale = Scale::parse(name).unwrap_or_else(|e| panic!("{}: {e}", g.title));
            let notes = scale.notes();
            for m in g.exercise.notes.iter().map(|n| n.midi.unwrap()) {
                let pc = Note::from_midi(m, true).pc;
                assert!(
                    notes.iter().any(|n| n.is_enharmonic(pc)),
                    "{}: {pc} is not in {name}",
                    g.title
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked}");
    let g = generate("minor-pentatonic", 0);
    assert!(g.title.starts_with("E minor pentatonic"), "{}", g.title);
    let m: Vec<i32> = g.exercise.notes.iter().map(|n| n.midi.unwrap()).collect();
    // E2 up two octaves to E4 and back.
    assert_eq!((m[0], m[m.len() / 2], m[m.len() - 1]), (40, 64, 40));
}

#[test]
fn legato_exercise_has_hammer_ons_and_pull_offs_in_json_and_tab() {
    for v in 0..3 {
        let g = generate("legato", v);
        let techs: Vec<_> = g
            .exercise
            .notes
            .iter()
            .filter_map(|n| n.technique)
            .collect();
        assert!(
            techs.contains(&ExpectedTechnique::HammerOn)
                && techs.contains(&ExpectedTechnique::PullOff),
            "v{v}"
        );
        assert!(g.tab.contains('h') && g.tab.contains('p'), "{}", g.tab);
        // A hammer-on goes up the same string from the note before it.
        for w in g.exercise.notes.windows(2) {
            if w[1].technique == Some(ExpectedTechnique::HammerOn) {
                assert_eq!(w[0].string, w[1].string);
                assert!(w[1].fret > w[0].fret);
            }
        }
    }
}

#[test]
fn bends_reach_the_pitch_played_just_before_them() {
    for v in 0..3 {
        let g = generate("bending", v);
        let notes = &g.exercise.notes;
        let bends: Vec<usize> = (0..notes.len())
            .filter(|&i| notes[i].technique == Some(ExpectedTechnique::Bend))
            .collect();
        assert!(bends.len() >= 3, "v{v}");
        for i in bends {
            let n = &notes[i];
            let semis = n.bend_semitones.unwrap();
            assert!(semis == 1.0 || semis == 2.0, "v{v}: {semis}");
            let target = pitch(n.string.unwrap(), n.fret.unwrap() + semis as u32);
            assert_eq!(notes[i - 1].midi, Some(target), "v{v}");
        }
        assert!(g.tab.contains('b'), "{}", g.tab);
    }
    let lead = generate("lead-playing", 0).exercise;
    assert!(
        lead.notes
            .iter()
            .any(|n| n.technique == Some(ExpectedTechnique::Bend))
    );
    assert!(
        lead.notes
            .iter()
            .any(|n| n.technique == Some(ExpectedTechnique::Vibrato))
    );
}

#[test]
fn slides_vibrato_and_tapping_ask_for_their_technique() {
    for (id, tech) in [
        ("slides", ExpectedTechnique::Slide),
        ("slide-guitar", ExpectedTechnique::Slide),
        ("vibrato", ExpectedTechnique::Vibrato),
        ("tapping", ExpectedTechnique::PullOff),
    ] {
        let g = generate(id, 0);
        assert!(
            g.exercise.notes.iter().any(|n| n.technique == Some(tech)),
            "{id}"
        );
    }
}

#[test]
fn variants_change_the_notes_of_chord_and_scale_exercises() {
    let ontology = Ontology::builtin();
    for c in ontology
        .concepts()
        .iter()
        .filter(|c| c.kind == "chords" || c.kind == "scales")
    {
        let a = exercise_for(c, 70.0, 0, "x").unwrap();
        let b = exercise_for(c, 70.0, 1, "x").unwrap();
        let (pa, pb): (Vec<_>, Vec<_>) = (
            a.exercise.notes.iter().map(|n| n.midi).collect(),
            b.exercise.notes.iter().map(|n| n.midi).collect(),
        );
        assert_ne!(pa, pb, "{}", c.id);
        assert_ne!(a.title, b.title, "{}", c.id);
    }
}

#[test]
fn generation_is_deterministic() {
    for id in ["open-chords", "bending", "modes", "groove"] {
        let c = concept(id);
        let a = exercise_for(&c, 72.0, 2, "x").unwrap();
        let b = exercise_for(&c, 72.0, 2, "x").unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }
}

#[test]
fn tempo_is_honoured_and_invalid_tempos_are_refused() {
    let c = concept("chord-changes");
    let g = exercise_for(&c, 97.0, 0, "x").unwrap();
    assert_eq!(g.exercise.tempo_bpm, 97.0);
    assert!(g.instructions.contains("97 bpm"), "{}", g.instructions);
    for bad in [0.0, -10.0, f64::NAN, f64::INFINITY, 500.0] {
        match exercise_for(&c, bad, 0, "x") {
            Err(LearnerError::Invalid(m)) => assert!(m.contains("tempo_bpm"), "{m}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
}

#[test]
fn start_tempo_is_slower_for_harder_concepts() {
    assert_eq!(start_tempo(&concept("open-chords")), 60.0);
    assert!(start_tempo(&concept("barre-chords")) < start_tempo(&concept("open-chords")));
    assert!(start_tempo(&concept("sweep-picking")) < start_tempo(&concept("alternate-picking")));
    for c in Ontology::builtin().concepts() {
        let t = start_tempo(c);
        assert!((40.0..=120.0).contains(&t), "{}: {t}", c.id);
    }
}

#[test]
fn theory_and_gear_concepts_get_fitting_exercises() {
    // Tuning: the six open strings, low to high.
    let open: Vec<i32> = Tuning::standard()
        .strings
        .iter()
        .map(|n| n.midi().unwrap())
        .collect();
    let tuning: Vec<i32> = generate("tuning", 0)
        .exercise
        .notes
        .iter()
        .map(|n| n.midi.unwrap())
        .collect();
    assert_eq!(tuning, open);
    // Intervals: each pair is root then the named interval above it.
    let e = generate("intervals", 0).exercise;
    let names = ["2M", "3m", "3M", "4P", "5P", "8P"];
    assert_eq!(e.notes.len(), 2 * names.len());
    for (pair, name) in e.notes.chunks(2).zip(names) {
        let (a, b) = (
            Note::from_midi(pair[0].midi.unwrap(), true),
            Note::from_midi(pair[1].midi.unwrap(), true),
        );
        assert_eq!(
            Interval::between(&a, &b).semitones(),
            name.parse::<Interval>().unwrap().semitones(),
            "{name}"
        );
    }
    // Capo at fret 2: nothing is played below the capo.
    let capo = generate("capo", 0);
    assert!(
        capo.exercise.notes.iter().all(|n| n.fret.unwrap() >= 2),
        "{}",
        capo.tab
    );
    // Twelve-bar blues: twelve bars of root and fifth.
    assert_eq!(generate("blues-form", 0).exercise.notes.len(), 24);
}

#[test]
fn a_concept_added_later_gets_an_exercise_of_its_kind() {
    let mut c = concept("modes");
    c.id = "brand-new-scale".into();
    let g = exercise_for(&c, 66.0, 0, "x").unwrap();
    assert_eq!(g.kind, "scale");
    assert_eq!(g.exercise.concept.as_deref(), Some("brand-new-scale"));
    assert!(Exercise::parse(&serde_json::to_string(&g.exercise).unwrap()).is_ok());
}
