//! Matching behaviour of the built-in lexicon and the spoken-expression rules.

use fretwise_lexicon::{Category, Lexicon, TermMatcher};
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, parse_transcript};

fn terms(text: &str) -> Vec<(String, Category)> {
    TermMatcher::builtin()
        .find_in_text(text)
        .into_iter()
        .map(|o| (o.term, o.category))
        .collect()
}

fn names(text: &str) -> Vec<String> {
    terms(text).into_iter().map(|(t, _)| t).collect()
}

#[test]
fn builtin_lexicon_is_large_and_covers_the_platform_categories() {
    let lex = Lexicon::builtin();
    assert!(lex.len() >= 600, "only {} terms", lex.len());
    let counts = lex.counts();
    assert!(counts.len() >= 12, "{counts:?}");
    for (cat, n) in counts {
        assert!(n >= 10, "{cat} has only {n} terms");
    }
}

#[test]
fn hyphen_and_spacing_variants_match_one_term() {
    for text in [
        "a hammer-on here",
        "a hammer on here",
        "a hammeron here",
        "hammer ons",
    ] {
        assert_eq!(names(text), ["hammer-on"], "{text}");
    }
    assert_eq!(
        names("finger style and fingerstyle"),
        ["fingerstyle", "fingerstyle"]
    );
    assert_eq!(names("pull off"), ["pull-off"]);
    assert_eq!(names("tune to drop D"), ["drop D"]);
}

#[test]
fn matches_respect_word_boundaries() {
    assert!(names("the table is stable").is_empty());
    assert!(names("also sober").is_empty());
    assert_eq!(names("read the tab"), ["tablature"]);
}

#[test]
fn longest_match_wins() {
    assert_eq!(
        names("the A minor pentatonic scale"),
        ["minor pentatonic", "scale"]
    );
    assert_eq!(names("learn the CAGED system"), ["CAGED"]);
}

#[test]
fn case_sensitive_terms_need_their_case() {
    assert_eq!(names("the A string"), ["A string"]);
    assert!(
        names("tie a string around it").is_empty()
            || !names("tie a string around it").contains(&"A string".to_string())
    );
    assert!(!names("a shape you know").contains(&"A shape".to_string()));
    assert!(names("an A shape barre chord").contains(&"A shape".to_string()));
}

#[test]
fn spoken_chords_are_named_exactly() {
    assert_eq!(names("play an E minor seven"), ["Em7"]);
    assert_eq!(names("Ab major"), ["Ab"]);
    assert_eq!(names("a G chord"), ["G"]);
    assert_eq!(names("C sharp minor"), ["C#m"]);
    assert_eq!(names("B flat major seven chord"), ["Bbmaj7"]);
    assert_eq!(names("D sus four"), ["Dsus4"]);
    assert_eq!(names("F sharp minor seven flat five"), ["F#m7b5"]);
    assert_eq!(names("strum Am then Cmaj7"), ["strumming", "Am", "Cmaj7"]);
    assert_eq!(names("go to the four chord"), ["IV chord"]);
    assert_eq!(names("a IV chord"), ["IV chord"]);
    let t = terms("the B flat");
    assert_eq!(t, [("Bb".to_string(), Category::Notes)]);
}

/// The spoken qualities and the spelling of written symbols come from the theory engine's
/// vocabulary, so names the lexicon never listed itself are read, and one chord written two
/// ways is one term.
#[test]
fn spoken_chords_use_the_theory_vocabulary() {
    assert_eq!(names("an A half diminished"), ["Am7b5"]);
    assert_eq!(names("a G seven sus four"), ["G7sus4"]);
    assert_eq!(names("the E minor thirteen"), ["Em13"]);
    assert_eq!(names("C minor major seventh"), ["CmMaj7"]);
    // Written forms are spelled the way the engine prints them.
    assert_eq!(names("strum Amin then Amaj"), ["strumming", "Am", "A"]);
    assert_eq!(names("then A+ and Gmmaj7"), ["Aaug", "GmMaj7"]);
    // A position after a note is not a chord quality, nor is a pedal.
    assert_eq!(names("the A fifth fret"), ["fret 5"]);
    assert_eq!(names("A pedal tone stays"), ["pedal tone"]);
}

#[test]
fn article_a_is_not_a_chord() {
    assert!(names("A lot of people ask me").is_empty());
    assert!(names("a minor change").is_empty());
}

#[test]
fn frets_and_strings() {
    assert_eq!(names("at the fifth fret"), ["fret 5"]);
    assert_eq!(names("the 12th fret"), ["fret 12"]);
    assert_eq!(names("twenty first fret"), ["fret 21"]);
    assert_eq!(names("on the low E string"), ["low E string"]);
    assert_eq!(names("the G string"), ["G string"]);
}

#[test]
fn counting_only_in_context() {
    assert_eq!(names("one and two and three and four and"), ["counting"]);
    assert_eq!(names("1 2 3 4"), ["counting"]);
    assert!(
        names("1-2-3 Fingerstyle Guitar")
            .iter()
            .all(|t| t != "counting")
    );
}

#[test]
fn user_file_extends_and_removes() {
    let mut lex = Lexicon::builtin();
    let before = lex.len();
    lex.merge_text("[playing_techniques]\nthumb slap | thumbslap\nhybrid picking | chickin pickin\n-tablature\n").unwrap();
    assert_eq!(lex.len(), before - 1);
    let m = TermMatcher::new(lex).unwrap();
    let found: Vec<_> = m
        .find_in_text("some chickin pickin with a tab")
        .into_iter()
        .map(|o| o.term)
        .collect();
    assert_eq!(found, ["hybrid picking"]);
    let err = Lexicon::parse("orphan term\n").unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
    assert!(Lexicon::parse("[no_such_category]\nx\n").is_err());
}

#[test]
fn real_lesson_occurrences_keep_word_spans_and_times() {
    let Some(path) = transcript_fixture("whisperx_fingerstyle_intro.json") else {
        return;
    };
    let t = parse_transcript(&std::fs::read(path).unwrap(), &ReadOptions::default()).unwrap();
    let found = TermMatcher::builtin().find(&t);
    let count = |name: &str| found.iter().filter(|o| o.term.starts_with(name)).count();
    assert!(count("fingerstyle") >= 5, "{found:#?}");
    for o in &found {
        eprintln!(
            "{:>7.2} {:<20} {:<28} {}",
            o.start_s, o.category, o.term, o.text
        );
    }
    assert!(
        count("alternating thumb") >= 1,
        "{:?}",
        found.iter().map(|o| &o.term).collect::<Vec<_>>()
    );
    for o in &found {
        let u = &t.utterances[o.utterance];
        let (f, l) = (o.first_word.unwrap(), o.last_word.unwrap());
        assert!(f <= l && l < u.words.len());
        assert_eq!(o.start_s, u.words[f].start);
        assert_eq!(o.end_s, u.words[l].end);
        assert!(!o.text.is_empty());
    }
}

#[test]
fn no_spelling_belongs_to_two_terms() {
    // The platform's library defined "tab", "ionian" and "vibrato" twice; a spelling that maps
    // to two terms silently loses one of them.
    let lex = Lexicon::builtin();
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    let mut clashes = Vec::new();
    for t in lex.terms() {
        for s in &t.spellings {
            let key = if s.starts_with('=') {
                s.clone()
            } else {
                s.to_lowercase().replace('-', " ")
            };
            if let Some(other) = seen.insert(key.clone(), &t.canonical)
                && other != t.canonical
            {
                clashes.push(format!("{key:?}: {other} / {}", t.canonical));
            }
        }
    }
    assert!(clashes.is_empty(), "{clashes:#?}");
}
