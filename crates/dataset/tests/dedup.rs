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

#[test]
fn a_bucket_is_verified_pair_by_pair_not_only_against_its_first_member() {
    // b and c agree on band 0 and on 7 of 8 rows of every other band (no second shared bucket):
    // similarity 113/128. a shares only band 0 and is listed first in that bucket.
    let n = fretwise_dataset::curate::PERMUTATIONS;
    let b: Vec<u32> = (0..n as u32).collect();
    let c: Vec<u32> = (0..n)
        .map(|i| {
            if i >= 8 && i % 8 == 7 {
                10_000 + i as u32
            } else {
                i as u32
            }
        })
        .collect();
    let a: Vec<u32> = (0..n)
        .map(|i| if i < 8 { i as u32 } else { 20_000 + i as u32 })
        .collect();
    assert!((similarity(&b, &c) - 113.0 / 128.0).abs() < 1e-9);
    let clusters = near_duplicate_clusters(&[a, b, c], 0.8);
    assert_eq!(clusters[1], clusters[2], "b and c are near duplicates");
    assert_ne!(clusters[0], clusters[1]);
}

#[test]
fn the_streaming_index_finds_an_earlier_near_duplicate() {
    use fretwise_dataset::curate::NearDuplicateIndex;
    let n = DedupNormalizer::new(&Lexicon::builtin());
    let m = MinHasher::new();
    let base = "keep your fretting hand relaxed and let the fingertips do the work while the \
                thumb keeps a steady alternating bass on the low strings and the fingers pick \
                the melody notes on the top strings one at a time";
    let near = base.replace("one at a time", "one by one");
    let other = "a common mistake is letting the low E string ring when it should be muted so \
                 rest the side of your palm lightly near the bridge and listen for a short dead \
                 thud instead of a ringing open note";
    let mut index = NearDuplicateIndex::new(0.7);
    index.insert(m.signature(&n.tokens(base)));
    assert!(index.find(&m.signature(&n.tokens(&near))).is_some());
    assert!(index.find(&m.signature(&n.tokens(other))).is_none());
}
