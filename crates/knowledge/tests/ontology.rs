//! The built-in ontology is valid and useful.

use fretwise_knowledge::{Ontology, OntologyError};
use fretwise_lexicon::{Lexicon, TermMatcher};

#[test]
fn builtin_is_acyclic_and_references_only_known_concepts() {
    let o = Ontology::builtin();
    assert!(o.concepts().len() >= 60);
    for c in o.concepts() {
        assert!((1..=5).contains(&c.difficulty));
        // Prerequisites are never harder than the concept they lead to.
        for r in &c.requires {
            assert!(
                o.get(r).unwrap().difficulty <= c.difficulty,
                "{} requires harder {}",
                c.id,
                r
            );
        }
    }
}

#[test]
fn every_ontology_term_is_a_lexicon_term() {
    let lex = Lexicon::builtin();
    let names: std::collections::HashSet<String> = lex
        .terms()
        .iter()
        .map(|t| t.canonical.to_lowercase())
        .collect();
    let missing: Vec<String> = Ontology::builtin()
        .concepts()
        .iter()
        .flat_map(|c| c.terms.iter().map(move |t| format!("{}: {t}", c.id)))
        .filter(|s| !names.contains(&s.split(": ").nth(1).unwrap().to_lowercase()))
        .collect();
    assert!(missing.is_empty(), "{missing:#?}");
}

#[test]
fn cycles_and_unknown_references_are_rejected() {
    let cyclic = r#"
[[concept]]
id = "a"
name = "A"
kind = "theory"
difficulty = 1
requires = ["b"]
[[concept]]
id = "b"
name = "B"
kind = "theory"
difficulty = 1
requires = ["a"]
"#;
    assert!(matches!(
        Ontology::parse(cyclic),
        Err(OntologyError::Cycle(_))
    ));
    let unknown = "[[concept]]\nid = \"a\"\nname = \"A\"\nkind = \"theory\"\ndifficulty = 1\nrequires = [\"zz\"]\n";
    assert!(matches!(
        Ontology::parse(unknown),
        Err(OntologyError::Unknown { .. })
    ));
}

#[test]
fn learning_paths_respect_curated_prerequisites() {
    let o = Ontology::builtin();
    let path = o.learning_path("caged", &[]).unwrap();
    assert_eq!(path.last().unwrap(), "caged");
    let pos = |id: &str| {
        path.iter()
            .position(|p| p == id)
            .unwrap_or_else(|| panic!("{id} not in {path:?}"))
    };
    assert!(pos("open-chords") < pos("barre-chords"));
    assert!(pos("barre-chords") < pos("caged"));
    assert!(pos("major-scale") < pos("caged"));
    for (i, id) in path.iter().enumerate() {
        for r in &o.get(id).unwrap().requires {
            assert!(path[..i].contains(r), "{id} before its prerequisite {r}");
        }
    }
    let known = o
        .learning_path(
            "sweep-picking",
            &["alternate-picking", "economy-picking", "arpeggios"],
        )
        .unwrap();
    assert_eq!(known, ["sweep-picking"]);
    assert!(o.learning_path("no-such-concept", &[]).is_none());
}

#[test]
fn the_real_lesson_is_about_fingerstyle_and_the_alternating_thumb() {
    let Some(path) = fretwise_testkit::transcript_fixture("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let t =
        fretwise_transcript::parse_transcript(&std::fs::read(path).unwrap(), &Default::default())
            .unwrap();
    let terms = TermMatcher::builtin().find(&t);
    let concepts = Ontology::builtin().concepts_in(&terms);
    let ids: Vec<&str> = concepts.iter().map(|(id, _)| id.as_str()).collect();
    assert!(ids.contains(&"fingerpicking"), "{ids:?}");
    assert!(ids.contains(&"travis-picking"), "{ids:?}");
    assert!(ids.contains(&"style-folk"), "{ids:?}");
}

#[test]
fn graph_exports_are_well_formed() {
    let o = Ontology::builtin();
    let g = fretwise_knowledge::ConceptGraph::new(&o, &Default::default(), Vec::new());
    assert_eq!(g.nodes.len(), o.concepts().len());
    let prereqs = g.edges.iter().filter(|e| e.kind == "prerequisite").count();
    assert_eq!(
        prereqs,
        o.concepts().iter().map(|c| c.requires.len()).sum::<usize>()
    );
    let graphml = g.graphml();
    assert!(graphml.starts_with("<?xml") && graphml.trim_end().ends_with("</graphml>"));
    assert_eq!(graphml.matches("<node ").count(), g.nodes.len());
    assert_eq!(graphml.matches("<edge ").count(), g.edges.len());
    let dot = g.dot();
    assert!(dot.starts_with("digraph concepts {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("\"open-chords\" -> \"barre-chords\""));
    let svg = g.svg();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<rect").count(), g.nodes.len());
    assert!(svg.contains("CAGED"));
}

#[test]
fn related_concepts_by_npmi() {
    use std::collections::BTreeSet;
    let set = |xs: &[&str]| {
        xs.iter()
            .map(|x| x.to_string())
            .collect::<BTreeSet<String>>()
    };
    let mut lessons = Vec::new();
    for i in 0..10 {
        lessons.push((format!("a{i}"), set(&["bending", "vibrato"])));
        lessons.push((format!("b{i}"), set(&["open-chords", "strumming"])));
    }
    lessons.push(("c".into(), set(&["bending", "open-chords"])));
    let r = fretwise_knowledge::related(&lessons, "bending", 3, 0.1);
    assert_eq!(r.len(), 1, "{r:?}");
    assert_eq!(r[0].concept, "vibrato");
    assert!(r[0].npmi > 0.5);
    assert_eq!(r[0].together, 10);
    // One shared lesson is not evidence.
    assert!(
        fretwise_knowledge::related(&lessons, "open-chords", 3, 0.1)
            .iter()
            .all(|x| x.concept != "bending")
    );
    assert!(fretwise_knowledge::related(&lessons, "unknown", 1, 0.0).is_empty());
}

#[test]
fn concepts_are_found_by_the_names_people_type() {
    let o = Ontology::builtin();
    for (typed, id) in [
        ("barre chords", "barre-chords"),
        ("Barre chords", "barre-chords"),
        ("barre-chords", "barre-chords"),
        ("string bending", "bending"),
        ("bends", "bending"),
        ("pentatonic", "minor-pentatonic"),
        ("open_chords", "open-chords"),
        ("the CAGED thing", "caged"),
        ("The CAGED system", "caged"),
        ("Hammer-ons", "legato"),
    ] {
        assert_eq!(o.resolve(typed).map(|c| c.id.as_str()), Ok(id), "{typed}");
    }
    let miss = o.resolve("barr chords").unwrap_err();
    assert_eq!(miss.suggestion.as_deref(), Some("barre-chords"));
    assert!(miss.to_string().contains("did you mean `barre-chords`"));
    assert!(
        o.resolve("quantum chromodynamics")
            .unwrap_err()
            .suggestion
            .is_none()
    );
    let found: Vec<&str> = o
        .mentions("How do I get better at bends and barre chords?")
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(found, ["bending", "barre-chords"]);
}

#[test]
fn what_a_student_knows_implies_its_prerequisites() {
    let o = Ontology::builtin();
    let path = o
        .learning_path("caged", &["open-chords", "power-chords"])
        .unwrap();
    assert!(!path.contains(&"guitar-basics".to_string()), "{path:?}");
    assert!(!path.contains(&"open-chords".to_string()), "{path:?}");
    assert_eq!(path.last().map(String::as_str), Some("caged"));
}
