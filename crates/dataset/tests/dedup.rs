//! Near-duplicate detection on the real fixtures and on controlled text.

use fretwise_dataset::curate::{DedupNormalizer, MinHasher, near_duplicate_clusters, similarity};
use fretwise_lexicon::Lexicon;
use fretwise_testkit::transcript_fixture;
use fretwise_transcript::{ReadOptions, parse_transcript};

fn text(name: &str) -> Option<String> {
    let p = transcript_fixture(name)?;
    let t = parse_transcript(&std::fs::read(p).unwrap(), &ReadOptions::default()).unwrap();
    Some(t.full_text())
}

fn shingles(tokens: &[String]) -> std::collections::HashSet<Vec<String>> {
    tokens.windows(5).map(|w| w.to_vec()).collect()
}

#[test]
fn plain_whisper_variant_is_a_near_duplicate_of_the_real_lesson() {
    let (Some(a), Some(b), Some(h)) = (
        text("whisperx_fingerstyle_intro.json"),
        text("whisper_plain_fingerstyle_intro.json"),
        text("whisperx_hallucination_music_only.json"),
    ) else {
        return;
    };
    let n = DedupNormalizer::new(&Lexicon::builtin());
    let (ta, tb, th) = (n.tokens(&a), n.tokens(&b), n.tokens(&h));
    let (sa, sb) = (shingles(&ta), shingles(&tb));
    let exact = sa.intersection(&sb).count() as f64 / sa.union(&sb).count() as f64;
    let m = MinHasher::new();
    let (ga, gb, gh) = (m.signature(&ta), m.signature(&tb), m.signature(&th));
    let est = similarity(&ga, &gb);
    eprintln!("exact 5-shingle Jaccard {exact:.3}, MinHash estimate {est:.3}");
    assert!(
        exact >= 0.8,
        "normalisation should bring the two transcripts to ≥ 0.8: {exact}"
    );
    assert!((est - exact).abs() < 0.1);
    let clusters = near_duplicate_clusters(&[ga, gb, gh], 0.75);
    assert_eq!(clusters[0], clusters[1]);
    assert_ne!(clusters[0], clusters[2]);
}

#[test]
fn normalizer_joins_split_terms_and_numbers() {
    let n = DedupNormalizer::new(&Lexicon::builtin());
    assert_eq!(
        n.tokens("One, two, three finger style!"),
        ["1", "2", "3", "fingerstyle"]
    );
    assert_eq!(
        n.tokens("1-2-3 Fingerstyle"),
        ["1", "2", "3", "fingerstyle"]
    );
    assert_eq!(n.tokens("a hammer on"), ["a", "hammeron"]);
}
