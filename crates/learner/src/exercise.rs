//! Practice exercises for every concept of the ontology, generated from the theory engine: the
//! expected-notes JSON `fretwise analyze --expected` scores, the tab to read it from and how to
//! play it. Audio analysis hears one pitch at a time, so chords are always picked string by
//! string, never strummed. Pitches, chord tones and scale notes all come from `fretwise_theory`;
//! this module only chooses material (from the tables below) and lays it out in time.

use fretwise_audio::{Exercise, ExerciseNote, ExpectedTechnique as Tech};
use fretwise_knowledge::Concept;
use fretwise_theory::{
    Chord, Interval, Key, MappedNote, Note, Scale, Tab, TabEvent, Technique, TheoryError, Tuning,
    Voicing, VoicingOptions, caged_shapes, identify, scale_map, scale_patterns, voicings,
};

use crate::LearnerError;

/// A generated practice exercise: the JSON `fretwise analyze --expected` scores, tab to read it from, and how to play it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GeneratedExercise {
    /// What is played, e.g. "G – C – D – Em changes, each chord picked string by string".
    pub title: String,
    /// chord-changes, scale, arpeggio, rhythm, technique, notes or intervals.
    pub kind: String,
    /// The expected notes; `id` is the practice item, `concept` the concept id.
    pub exercise: Exercise,
    /// ASCII tab of the same notes, a bar line every four beats.
    pub tab: String,
    /// What to play, at what tempo, and what to listen for.
    pub instructions: String,
}

/// Per concept: kind | title | how to play it | what to listen for. `{}` is the material the
/// variant picked (chords, scale or root).
const TEXT: &str = "
open-chords | chord-changes | {} changes, each chord picked string by string | Hold each open chord for a bar and pick it one string at a time from the bass up. | every string ringing clearly and the next chord arriving on the bar line
chords | chord-changes | {}: first chords picked string by string | Hold each chord for a bar and pick it one string at a time from the bass up. | every string ringing, none muted by a finger
chord-changes | chord-changes | {} changes, picked string by string | Pick each chord string by string and change chords during the rest at the end of the bar. | the next chord arriving on the bar line, not late
seventh-chords | chord-changes | {}: seventh chords picked string by string | Hold each seventh chord for a bar and pick it from the bass string up. | the seventh in every chord
sus-add-chords | chord-changes | {}: sus and add chords picked string by string | Pick each chord from the bass string up, moving only the fingers that change. | the suspended notes resolving
power-chords | chord-changes | {}: power chords, root, fifth and octave | Pick root, fifth and octave of each power chord in turn, muting the other strings. | only the power-chord strings sounding
style-rock | chord-changes | Rock riff on {} | Chug the root in palm-muted eighth notes and pick the fifth and octave where written. | a tight, even chug
style-metal | chord-changes | Metal gallop on {} | Play the palm-muted gallop (eighth, two sixteenths) on each root, then the fifth and octave. | the gallop staying even
barre-chords | chord-changes | {}: barre chords picked string by string | Hold each barre chord for a bar and pick it string by string. | every string under the barre ringing, none buzzing
extended-chords | chord-changes | {}: extended chords picked string by string | Hold each chord for a bar and pick it from the bass string up. | the colour notes on top of each chord
chord-voicings | chord-changes | {}: root position and inversions | Pick each voicing string by string; the bass note changes while the chord stays. | the bass note of each inversion
capo | chord-changes | Capo at fret 2: {} shapes | Put the capo at fret 2 and pick each shape string by string; the tab counts frets from the nut. | clean notes right behind the capo
strumming | rhythm | Strumming rhythm down, down-up, up-down-up on {} | Keep the hand moving down and up in eighths; pick the bass string on the written down-strokes and the top string on the up-strokes. | strokes exactly on the beat and on the and
fingerpicking | technique | Fingerpicking p-i-m-a on {} | The thumb plays the bass strings, index, middle and ring fingers the G, B and e strings. | bass and treble notes equally loud
style-folk | technique | Folk picking p-i-m-a-m-i on {} | Fingerpick each chord thumb, index, middle, ring, middle, index. | a flowing, even pattern
travis-picking | technique | Travis picking on {} | The thumb alternates between two bass strings on the beats; the fingers pick the treble strings in between. | a steady thumb that never stops
hybrid-picking | technique | Hybrid picking on {} | Pick the bass strings and pluck the top strings with the middle and ring fingers. | plucked notes as loud as picked ones
style-country | technique | Boom-chick on {} | Alternate a bass note on the beat with a treble string, country style. | a bouncy, steady beat
style-classical | technique | Classical arpeggio p-i-m-a-m-i on {} | Play free strokes with the fingers and rest strokes with the thumb. | round, even tone on every note
harmony | chord-changes | {} picked string by string | Pick each chord for one bar and hear its function in the key. | how each chord pulls back to the tonic
advanced-harmony | chord-changes | Minor ii–V–i: {} | Pick each chord for one bar; the V chord borrows its leading tone from harmonic minor. | the leading tone resolving up to the tonic
style-jazz | arpeggio | ii–V–I arpeggios: {} | Arpeggiate each seventh chord for one bar from the bass up. | the guide tones (thirds and sevenths) moving by step
comping | rhythm | Comping on the off-beats: {} | Play the top three strings of each chord on the off-beats, short and crisp. | chords landing exactly on the and
chord-melody | technique | Chord melody: {} | Play the bass note, then the melody on the top string over the chord shape. | the melody singing above the chord
open-tunings | chord-changes | The {} chord an open tuning rings | In standard tuning, fingerpick the chord the open tuning's strings spell, to learn the sound you will tune to. | the chord's colour, which the retuned strings will match
caged | arpeggio | {} through the five CAGED shapes | Play the same chord in each CAGED shape up the neck, picked string by string. | the same chord sound in every position
arpeggios | arpeggio | {} arpeggios in barre-chord positions | Play every chord tone inside each barre-chord shape, up and back down. | one note at a time, never two strings ringing together
sweep-picking | arpeggio | {} sweep arpeggios | Sweep each arpeggio with one pick stroke per direction, one note per string, lifting each finger as the next note sounds. | separate notes, not a strummed chord
scales | scale | {} in position, up and back down | Play the scale in eighth notes from the lowest tonic to the highest and back. | even eighth notes and no notes ringing into each other
major-scale | scale | {} in position, up and back down | Play the major scale in eighth notes from the lowest tonic to the highest and back. | the half steps between the 3rd and 4th and the 7th and 8th
minor-pentatonic | scale | {} in position, up and back down | Play the minor pentatonic in eighth notes, two notes per string. | even eighth notes with alternate picking
major-pentatonic | scale | {} in position, up and back down | Play the major pentatonic in eighth notes, two notes per string. | even eighth notes with alternate picking
blues-scale | scale | {} in position, up and back down | Play the blues scale in eighth notes; the blue note passes quickly. | the blue note between the 4th and 5th
minor-scales | scale | {} in position, up and back down | Play the minor scale in eighth notes through the position. | the 6th and 7th that make this minor different
modes | scale | {} in position, up and back down | Play the mode in eighth notes through the position. | the note that gives the mode its colour
modal-soloing | scale | {} in position, up in thirds | Play the mode in thirds through the position, as a soloing sequence. | the characteristic note of the mode
exotic-scales | scale | {} in position, up and back down | Play the scale in eighth notes through the position. | the unusual steps of the scale
improvisation | scale | {} in position, up in groups of three | Play the scale in groups of three, then improvise with the same notes. | phrases, not just scale steps
keys | scale | {} in position, up and back down | Play the scale of the key up and back, naming its sharps or flats. | the notes of the key signature
economy-picking | technique | Economy picking: {} three notes per string | Pick three notes per string and sweep the pick onto the next string when changing strings. | no extra pick motion at string changes
guitar-basics | technique | First notes: {} on the top three strings | Fret each note just behind the fret with the fingertip; play in quarter notes up and back down. | every note clear, without buzz
picking-basics | technique | Picking: {} notes, each twice, down then up | Pick each note twice, a down-stroke then an up-stroke, moving only the wrist. | both strokes equally loud
note-values | rhythm | Whole, half, quarter and eighth notes on {} | Play one whole note, two half notes, four quarter notes and eight eighth notes, counting aloud. | each note lasting its full length
timing | rhythm | With the metronome: {}, quarter notes up, eighth notes down | Play the scale up in quarter notes and back down in eighth notes with a metronome. | each note landing exactly on the click
tone-and-effects | technique | Tone: the same {} phrase near the neck, then near the bridge | Play the phrase once picking near the neck and once near the bridge (or switch pickups). | how attack and sustain change
vibrato | technique | Vibrato on every note of the {} box | Hold each note for two beats with steady, even vibrato. | vibrato that returns to the true pitch
legato | technique | Hammer-ons and pull-offs in {} | Pick the first note on each string and hammer on going up; pick the higher note and pull off going down. | the second note as loud as the picked one
slides | technique | Slides in {} | Pick the first note and slide to the second without picking again, up the strings and back. | a smooth glide that keeps sounding into the target
slide-guitar | technique | Slides with vibrato in the {} box | Slide from the lower note to the higher one on each string and hold it with vibrato. | arriving in tune before the vibrato starts
bending | technique | Bends in tune in the {} box | Play each target note, then bend the note below it on the same string up to match. | the bend reaching the target pitch, not just near it
lead-playing | technique | Lick in {} with a bend and vibrato | Play the lick up the G and B strings, bend, and land on the tonic with vibrato. | the bend in tune and the vibrato even
tapping | technique | Tapping in {}: tap, pull off, hammer on | Tap the high note with a picking-hand finger, pull off to the index finger, hammer on, pull off again. | every note equally loud with no pick attack
harmonics | technique | Natural harmonics at the 12th fret | Touch each string lightly right above the 12th fret (every 12 in the tab is a harmonic), pick, and lift the finger. | a clear bell tone an octave above the open string
alternate-picking | technique | Alternate picking: frets {} on every string | One finger per fret; pick strictly down, up, down, up. | even volume on down- and up-strokes
setup-maintenance | technique | Fret-buzz check: frets {} on every string | Play each fret with normal force, string by string. | buzzing or dead notes that point to action or fret problems
muting | technique | Palm-muted chug in {} | Rest the side of the picking hand on the strings by the bridge and chug the root between the scale notes. | a tight, percussive root and no ringing strings
riffs | technique | A low-string riff in {} | Play the riff on the low strings, repeating it until it is automatic. | a steady groove
style-blues | technique | A blues lick in {} | Play the descending blues lick with a swing feel. | the blue note passing quickly into the next note
tuning | notes | Open strings {} | Play each open string (or the fretted unison and the next open string) and compare it with the tuner. | beats between two notes that should match
note-names | notes | Natural notes on {} | Play the natural notes up and back, saying each name aloud as you play it. | the name and the pitch together
reading-tab | notes | Reading tab: {} | Read the tab and play the melody in time, counting the longer notes out. | each note's length as written
standard-notation | notes | Reading rhythm: {} | Read the melody and play each note its written length. | each note's length as written
groove | rhythm | Syncopated sixteenth-note groove in {} | Count sixteenths (1 e and a) and play the riff on the written off-beats, muting between notes. | notes exactly on their sixteenths, not rushed
style-funk | rhythm | Funk sixteenth-note riff in {} | Keep the strumming hand moving in sixteenths and pick only the written notes. | a tight, percussive groove
blues-form | chord-changes | Twelve-bar blues in {}: root and fifth | Play root and fifth of each chord of the twelve-bar form, one bar each. | where the form changes: bars 5, 9, 10 and 12
intervals | intervals | Intervals from {} | Play root then target for each interval and sing the target in the rest. | the size of each interval, named before you play it
ear-training | intervals | Ear training: every interval from {} | Play root then target, then sing it back and name it. | naming each interval before you look at the tab
";

/// Chord concepts: voicing | one slot per eighth (16 slots: sixteenths) holding the sounding
/// string to pick (0 = bass, -1 = highest, . = rest) | chord sets, one per variant, as symbols or
/// as scale degrees in a key ("G major: 1 6 4 5", "C major 7ths: 2 5 1 1").
const CHORDS: &str = "
open-chords | open | 0 1 2 3 4 5 . . | G C D Em / E A D A / C Am Dm G
chords | open | 0 1 2 3 4 5 . . | Em Am C G / A D E A / C G Am Em
chord-changes | open | 0 1 2 3 4 5 . . | G C D Em / C Am Em G / A D E D
seventh-chords | easy4 | 0 1 2 3 4 5 . . | A7 D7 E7 A7 / G7 C7 D7 G7 / Am7 Dm7 Em7 Am7
sus-add-chords | easy4 | 0 1 2 3 4 5 . . | D Dsus4 D Dsus2 / A Asus4 A Asus2 / Cadd9 G Dsus4 Em7
power-chords | power | 0 1 2 . 0 1 2 . | E5 G5 A5 C5 / A5 C5 G5 E5 / G5 A5 B5 E5
style-rock | power | 0 0 1 0 0 0 1 2 | E5 G5 A5 E5 / A5 C5 G5 A5 / E5 B5 C5 A5
style-metal | power | 0 . 0 0 0 . 0 0 1 . . . 2 . . . | E5 F5 G5 E5 / E5 G5 A5 F5 / A5 C5 B5 E5
barre-chords | barre | 0 1 2 3 4 5 . . | F Dm Bb C / Bm G D A / Cm Ab Eb Bb
extended-chords | easy12 | 0 1 2 3 4 5 . . | Dm9 G9 Cmaj9 A7#9 / Am9 D9 Gmaj9 E7#9 / Em9 A9 Dmaj9 B7#9
chord-voicings | easy12 | 0 1 2 3 4 5 . . | C C/E C/G C / G G/B G/D G / D D/F# D/A D
capo | open+2 | 0 1 2 3 4 5 . . | G C D G / C G Am C / Em C G D
strumming | open | 0 . 0 -1 . -1 0 -1 | G C D G / A D E A / Em C G D
fingerpicking | open | 0 -3 -2 -1 1 -3 -2 -1 | C Am Em G / G Em C D / Am E Am E
style-folk | open | 0 -3 -2 -1 -2 -3 . . | G C G D / D G A D / Am C G Am
travis-picking | easy5 | 0 -1 1 -2 0 -1 1 -2 | C Am F G / G C D G / E A B7 E
hybrid-picking | easy5 | 0 -2 -1 -2 1 -2 -1 -2 | A D E A / G C D G / E A B7 E
style-country | easy5 | 0 . -1 . 1 . -2 . | G C D G / C F G C / A D E A
style-classical | easy5 | 0 -3 -2 -1 -2 -3 . . | Am E Am E / Em B7 Em B7 / Am Dm E Am
harmony | easy7 | 0 1 2 3 4 5 . . | G major: 1 6 4 5 / C major: 1 6 4 5 / D major: 1 6 4 5 / A major: 1 6 4 5
advanced-harmony | easy12 | 0 1 2 3 4 5 . . | Bm7b5 E7 Am7 Am7 / F#m7b5 B7 Em7 Em7 / Em7b5 A7 Dm7 Dm7
style-jazz | easy10 | 0 1 2 3 4 5 . . | C major 7ths: 2 5 1 1 / F major 7ths: 2 5 1 1 / Bb major 7ths: 2 5 1 1
comping | easy10 | . -3 -2 -1 . -3 -2 -1 | G major 7ths: 2 5 1 1 / C major 7ths: 2 5 1 1 / D major 7ths: 2 5 1 1
chord-melody | easy10 | 0 -3 -1 . -2 . -1 . | C major: 1 6 4 5 / G major: 1 6 4 5 / D major: 1 6 4 5
";

/// Single-note concepts: where the notes lie | order, or the indices of a riff in eighth notes |
/// scale per variant. `level` is open position (frets 0–5) up to difficulty 2 and the pattern
/// from the tonic on the low E above; `top` is frets 0–3 on the top three strings, `low` frets
/// 0–5 on the low three, `bass` frets 0–5 on the low four from the tonic, `box` the tonic
/// pattern's top four strings.
const SCALES: &str = "
scales | level | up-down | G major / A minor pentatonic / C major
major-scale | level | up-down | G major / C major / A major
minor-pentatonic | level | up-down | E minor pentatonic / A minor pentatonic / G minor pentatonic
major-pentatonic | level | up-down | G major pentatonic / C major pentatonic / A major pentatonic
blues-scale | level | up-down | E blues / A blues / G blues
minor-scales | level | up-down | A minor / A harmonic minor / A melodic minor / E harmonic minor
modes | level | up-down | D dorian / G mixolydian / E phrygian / F lydian
modal-soloing | level | thirds | A dorian / G mixolydian / F lydian / B phrygian
exotic-scales | level | up-down | E phrygian dominant / A hungarian minor / C whole tone / G diminished
improvisation | level | threes | A minor pentatonic / A dorian / G major pentatonic
keys | level | up-down | C major / G major / D major / F major / A major / Bb major
economy-picking | level | up-down | G major / A minor / C major
guitar-basics | top | slow | C major / G major / D major
picking-basics | low | twice | E minor pentatonic / A minor pentatonic / D major pentatonic
note-values | top | values | C major / G major / D major
timing | level | timing | G major pentatonic / E minor pentatonic / A minor pentatonic
tone-and-effects | level | phrase | A minor pentatonic / E minor pentatonic / G major pentatonic
vibrato | box | vibrato | A minor pentatonic / B minor pentatonic / G major pentatonic
muting | bass | 0 0 0 0 0 0 1 2 0 0 0 0 0 0 2 1 0 0 0 0 0 0 1 2 0 0 0 0 0 0 2 1 | E minor pentatonic / A minor pentatonic / G minor pentatonic
riffs | bass | 0 1 2 0 1 3 2 0 1 2 1 0 | E blues / A blues / G blues
style-blues | bass | 6 5 4 3 2 1 0 1 2 0 | E blues / A blues / G blues
";

/// Two public-domain melodies: scale steps above the tonic, `:beats` when not one beat.
const MELODIES: &str = "
Ode to Joy | 2 2 3 4 4 3 2 1 0 0 1 2 2:1.5 1:0.5 1:2
Twinkle, Twinkle | 0 0 4 4 5 5 4:2 3 3 2 2 1 1 0:2
";

/// A place on the neck: string (1 = high e) and fret.
type Pos = (usize, u32);

/// One note before it becomes JSON and tab.
#[derive(Debug, Clone)]
struct Step {
    string: usize,
    fret: u32,
    beat: f64,
    beats: f64,
    technique: Option<Tech>,
    /// The fret whose pitch a bend reaches.
    bend_to: Option<u32>,
}

/// Notes laid out in time; `cursor` is where the next note goes.
#[derive(Default)]
struct Seq {
    steps: Vec<Step>,
    cursor: f64,
}

impl Seq {
    fn at(&mut self, beat: f64, (string, fret): Pos, beats: f64, technique: Option<Tech>) {
        self.cursor = beat + beats;
        self.steps.push(Step {
            string,
            fret,
            beat,
            beats,
            technique,
            bend_to: None,
        });
    }
    fn then(&mut self, pos: Pos, beats: f64) {
        self.at(self.cursor, pos, beats, None);
    }
    fn with(&mut self, pos: Pos, beats: f64, technique: Tech) {
        self.at(self.cursor, pos, beats, Some(technique));
    }
    fn run(&mut self, notes: &[Pos], beats: f64) {
        notes.iter().for_each(|&p| self.then(p, beats));
    }
    /// Bends `pos` up to the pitch of fret `to` on the same string.
    fn bend(&mut self, pos: Pos, beats: f64, to: u32) {
        self.with(pos, beats, Tech::Bend);
        if let Some(last) = self.steps.last_mut() {
            last.bend_to = Some(to);
        }
    }
    fn next_bar(&mut self) {
        self.cursor = (self.cursor / 4.0).ceil() * 4.0;
    }
}

/// Exercise for `concept` at `tempo_bpm`; `variant` (0, 1, 2, …) picks another key/chord set/position deterministically; `item_id` is stored in exercise.id.
pub fn exercise_for(
    concept: &Concept,
    tempo_bpm: f64,
    variant: u32,
    item_id: &str,
) -> Result<GeneratedExercise, LearnerError> {
    // The range `Exercise::parse` accepts, so the JSON always scores.
    if !(tempo_bpm.is_finite() && tempo_bpm > 0.0 && tempo_bpm < 400.0) {
        return Err(LearnerError::Invalid(format!(
            "tempo_bpm must be above 0 and below 400, not {tempo_bpm}"
        )));
    }
    // A concept added to the ontology later gets the nearest playable exercise of its kind.
    let id = match row(TEXT, &concept.id) {
        Some(_) => concept.id.as_str(),
        None => match concept.kind.as_str() {
            "chords" => "chord-changes",
            "scales" => "scales",
            "rhythm" => "timing",
            "theory" => "intervals",
            "reading" => "reading-tab",
            "style" => "style-blues",
            "gear" => "tuning",
            _ => "alternate-picking",
        },
    };
    let text = row(TEXT, id)
        .filter(|t| t.len() == 4)
        .ok_or_else(|| bug(id))?;
    let (seq, material) = generate(id, concept.difficulty, variant as usize)?;
    let mut notes = Vec::with_capacity(seq.steps.len());
    for s in &seq.steps {
        notes.push(ExerciseNote {
            beat: s.beat,
            duration_beats: s.beats,
            midi: Some(midi((s.string, s.fret))?),
            // The spelling (sharp or flat) depends on the key; MIDI, string and fret do not.
            note: None,
            technique: s.technique,
            bend_semitones: s.bend_to.map(|t| f64::from(t.saturating_sub(s.fret))),
            string: Some(s.string),
            fret: Some(s.fret),
        });
    }
    if notes.is_empty() {
        return Err(bug(id));
    }
    Ok(GeneratedExercise {
        title: text[1].replace("{}", &material),
        kind: text[0].to_string(),
        tab: render_tab(&seq.steps)?,
        instructions: format!(
            "{} Play it at {tempo_bpm} bpm and listen for {}.",
            text[2], text[3]
        ),
        exercise: Exercise {
            id: Some(item_id.to_string()),
            concept: Some(concept.id.clone()),
            tempo_bpm,
            time_signature: Some("4/4".into()),
            notes,
        },
    })
}

/// A sensible starting tempo (bpm) for a concept's exercises: slower for harder concepts (e.g. 60 for difficulty 1 chord changes … ).
pub fn start_tempo(concept: &Concept) -> f64 {
    // Chord changes need time for the fretting hand; single-note rhythm work can start faster.
    let base = match concept.kind.as_str() {
        "chords" => 60.0,
        "rhythm" => 80.0,
        _ => 70.0,
    };
    (base - 5.0 * f64::from(concept.difficulty.saturating_sub(1))).max(40.0)
}

/// The fields after the id of the table row for `id`.
fn row<'a>(table: &'a str, id: &str) -> Option<Vec<&'a str>> {
    table
        .lines()
        .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>())
        .find(|f| f[0] == id)
        .map(|f| f[1..].to_vec())
}

fn bug(what: &str) -> LearnerError {
    LearnerError::Theory(format!("no exercise material for `{what}`"))
}

fn theory(e: TheoryError) -> LearnerError {
    LearnerError::Theory(e.to_string())
}

fn scale(name: &str) -> Result<Scale, LearnerError> {
    Scale::parse(name).map_err(theory)
}

fn note_at((string, fret): Pos) -> Result<Note, LearnerError> {
    Tuning::standard()
        .note_at(string, fret, true)
        .map_err(theory)
}

fn midi(p: Pos) -> Result<i32, LearnerError> {
    note_at(p)?.midi().ok_or_else(|| bug("a pitch"))
}

/// The `v`-th entry of a constant, non-empty list, wrapping around.
fn pick<T: Copy>(list: &[T], v: usize) -> T {
    list[v % list.len()]
}

/// The `v`-th of the " / "-separated variants in a table field.
fn variant(field: &str, v: usize) -> &str {
    pick(&field.split(" / ").collect::<Vec<_>>(), v)
}

fn names(cs: &[Chord]) -> String {
    cs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" – ")
}

fn pos(m: &MappedNote) -> Pos {
    (m.string, m.fret)
}

fn up_down<T: Copy>(v: &[T]) -> Vec<T> {
    v.iter().chain(v.iter().rev().skip(1)).copied().collect()
}

/// Notes of `sc` on frets `lo..=hi` of strings `s[0]..=s[1]`, ascending, each pitch once.
fn in_position(
    sc: &Scale,
    lo: u32,
    hi: u32,
    s: [usize; 2],
) -> Result<Vec<MappedNote>, LearnerError> {
    let mut v = Vec::new();
    for m in scale_map(sc, &Tuning::standard(), lo, hi) {
        if (s[0]..=s[1]).contains(&m.string) {
            v.push((midi(pos(&m))?, m));
        }
    }
    // The lowest fret of a repeated pitch: open position favours open strings.
    v.sort_by_key(|(p, m)| (*p, m.fret));
    v.dedup_by_key(|(p, _)| *p);
    Ok(v.into_iter().map(|(_, m)| m).collect())
}

/// From the lowest tonic to the highest (or to the end when there is one), so a run starts at home.
fn tonic_to_tonic(v: &[MappedNote]) -> Vec<MappedNote> {
    let a = v.iter().position(|m| m.degree == 1).unwrap_or(0);
    let b = v.iter().rposition(|m| m.degree == 1).filter(|&b| b > a);
    v.get(a..=b.unwrap_or(v.len().saturating_sub(1)))
        .unwrap_or(v)
        .to_vec()
}

/// The fingering pattern that starts on the tonic on the low E string.
fn tonic_box(sc: &Scale) -> Result<Vec<MappedNote>, LearnerError> {
    let patterns = scale_patterns(sc, &Tuning::standard());
    let found = patterns.into_iter().find(|p| p.start_degree == 1);
    found.map(|p| p.notes).ok_or_else(|| bug("a scale pattern"))
}

/// Scale notes for a difficulty: open position for beginners, the tonic pattern above.
fn level_notes(sc: &Scale, difficulty: u8) -> Result<Vec<MappedNote>, LearnerError> {
    match difficulty {
        0..=2 => Ok(tonic_to_tonic(&in_position(sc, 0, 5, [1, 6])?)),
        _ => tonic_box(sc),
    }
}

/// The next note of `sc` above `p` on the same string (what a bend or slide reaches).
fn next_on_string(sc: &Scale, p: Pos) -> Option<Pos> {
    let above = scale_map(sc, &Tuning::standard(), p.1 + 1, p.1 + 4);
    above.iter().find(|m| m.string == p.0).map(pos)
}

/// The lowest-fret place of an exact pitch up to `max_fret`.
fn place(note: &Note, max_fret: u32) -> Result<Pos, LearnerError> {
    let all = Tuning::standard().positions(note, max_fret);
    all.first()
        .map(|p| (p.string, p.fret))
        .ok_or_else(|| bug("a fret position"))
}

/// Sounding strings of a voicing, lowest first.
fn sounding(v: &Voicing) -> Vec<Pos> {
    let n = v.frets.len();
    v.frets
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|f| (n - i, f)))
        .collect()
}

/// The strings of `c` to pick, lowest first: "open", "easyN" (the easiest voicing up to fret N),
/// "barre" (E or A shape) or "power" (root on a low string, fifth and octave above it).
fn chord_strings(c: &Chord, shape: &str) -> Result<Vec<Pos>, LearnerError> {
    let t = Tuning::standard();
    // Enough candidates that an open or a low-fret voicing is among them.
    let limit = 400;
    let upto = |max_fret| {
        voicings(
            c,
            &t,
            &VoicingOptions {
                max_fret,
                max_span: 3,
                limit,
            },
        )
    };
    let found = match shape {
        "open" => upto(4).into_iter().find(|v| v.kind == "open"),
        "barre" => caged_shapes(c)
            .into_iter()
            .filter(|(name, v)| (name == "E" || name == "A") && v.kind == "barre")
            .map(|(_, v)| v)
            .min_by_key(|v| v.frets.iter().flatten().min().copied()),
        "power" => {
            let low = t
                .positions(&Note::pitch_class(c.root), 5)
                .into_iter()
                .find(|p| p.string >= 5);
            let root = low
                .map(|p| (p.string, p.fret))
                .ok_or_else(|| bug("a power chord"))?;
            let mut out = vec![root];
            for interval in ["5P", "8P"] {
                let n = note_at(root)?.transpose(&interval.parse::<Interval>().map_err(theory)?);
                let next = t
                    .positions(&n, 7)
                    .into_iter()
                    .find(|p| p.string + out.len() == root.0);
                out.extend(next.map(|p| (p.string, p.fret)));
            }
            return Ok(out);
        }
        _ => upto(shape.trim_start_matches("easy").parse().unwrap_or(5))
            .into_iter()
            .next(),
    };
    let v = found.ok_or_else(|| LearnerError::Theory(format!("no {shape} voicing of {c}")))?;
    Ok(sounding(&v))
}

/// Chords of a table set: symbols, or scale degrees in a key ("C major 7ths: 2 5 1 1"); with
/// the words to name them.
fn chord_set(set: &str) -> Result<(Vec<Chord>, String), LearnerError> {
    let Some((key, degrees)) = set.split_once(':') else {
        let cs = set
            .split_whitespace()
            .map(Chord::parse)
            .collect::<Result<Vec<_>, _>>();
        let cs = cs.map_err(theory)?;
        return Ok((cs.clone(), names(&cs)));
    };
    let sevenths = key.ends_with(" 7ths");
    let key = Key::parse(key.trim_end_matches(" 7ths")).map_err(theory)?;
    let all = if sevenths {
        key.sevenths()
    } else {
        key.triads()
    };
    let degrees = degrees
        .split_whitespace()
        .filter_map(|d| d.parse::<usize>().ok());
    let cs: Vec<Chord> = degrees
        .filter_map(|d| all.get(d.checked_sub(1)?).cloned())
        .collect();
    let numerals: Vec<String> = key.analyze(&cs).into_iter().map(|r| r.numeral).collect();
    Ok((
        cs.clone(),
        format!("{} ({} in {key})", names(&cs), numerals.join("–")),
    ))
}

/// One bar per chord: the pattern's slots spread evenly over four beats, each naming the
/// sounding string to pick; `capo` raises every fret.
fn chord_bars(cs: &[Chord], shape: &str, slots: &str, capo: u32) -> Result<Seq, LearnerError> {
    let slots: Vec<&str> = slots.split_whitespace().collect();
    let unit = 4.0 / slots.len().max(1) as f64;
    let mut seq = Seq::default();
    for (bar, c) in cs.iter().enumerate() {
        let strings = chord_strings(c, shape)?;
        let hits: Vec<(f64, Pos)> = slots
            .iter()
            .enumerate()
            .filter_map(|(k, slot)| {
                let role: i32 = slot.parse().ok()?;
                let i = if role >= 0 {
                    role
                } else {
                    strings.len() as i32 + role
                };
                let (s, f) = *strings.get(usize::try_from(i).ok()?)?;
                Some((k as f64 * unit, (s, f + capo)))
            })
            .collect();
        let start = 4.0 * bar as f64;
        for (k, &(b, p)) in hits.iter().enumerate() {
            let end = hits.get(k + 1).map_or(4.0, |n| n.0);
            seq.at(start + b, p, end - b, None);
        }
    }
    Ok(seq)
}

/// Notes, ordered and timed as a table row says.
fn scale_seq(notes: &[Pos], order: &str) -> Seq {
    let n = notes.len();
    let mut seq = Seq::default();
    if n == 0 {
        return seq;
    }
    match order {
        "threes" => (0..n.saturating_sub(2)).for_each(|i| seq.run(&notes[i..i + 3], 0.5)),
        "thirds" => (0..n.saturating_sub(2)).for_each(|i| seq.run(&[notes[i], notes[i + 2]], 0.5)),
        "slow" => seq.run(&up_down(notes), 1.0),
        "twice" => up_down(notes).iter().for_each(|&p| seq.run(&[p, p], 0.5)),
        "values" => [4.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0]
            .into_iter()
            .chain([0.5; 8])
            .enumerate()
            .for_each(|(k, b)| seq.then(notes[k % n], b)),
        "timing" => {
            seq.run(notes, 1.0);
            seq.run(
                &notes.iter().rev().skip(1).copied().collect::<Vec<_>>(),
                0.5,
            );
        }
        "phrase" => (0..2).for_each(|_| seq.run(&notes[..n.min(6)], 2.0)),
        "vibrato" => notes.iter().for_each(|&p| seq.with(p, 2.0, Tech::Vibrato)),
        "up-down" => seq.run(&up_down(notes), 0.5),
        riff => riff
            .split_whitespace()
            .filter_map(|i| notes.get(i.parse::<usize>().ok()?))
            .for_each(|&p| seq.then(p, 0.5)),
    }
    seq
}

/// The notes and the words naming the material for concept `id`.
fn generate(id: &str, d: u8, v: usize) -> Result<(Seq, String), LearnerError> {
    let t = Tuning::standard();
    if let Some(r) = row(CHORDS, id).filter(|r| r.len() == 3) {
        let (cs, words) = chord_set(variant(r[2], v))?;
        let (shape, capo) = r[0].split_once('+').unwrap_or((r[0], "0"));
        return Ok((
            chord_bars(&cs, shape, r[1], capo.parse().unwrap_or(0))?,
            words,
        ));
    }
    if let Some(r) = row(SCALES, id).filter(|r| r.len() == 3) {
        let name = variant(r[2], v);
        let sc = scale(name)?;
        let notes = match r[0] {
            "top" => in_position(&sc, 0, 3, [1, 3])?,
            "low" => in_position(&sc, 0, 5, [4, 6])?,
            "bass" => tonic_to_tonic(&in_position(&sc, 0, 5, [3, 6])?),
            "box" => tonic_box(&sc)?
                .into_iter()
                .filter(|m| m.string <= 4)
                .collect(),
            _ => level_notes(&sc, d)?,
        };
        let notes: Vec<Pos> = notes.iter().map(pos).collect();
        return Ok((scale_seq(&notes, r[1]), name.to_string()));
    }
    let mut seq = Seq::default();
    let name = variant(
        "A minor pentatonic / E minor pentatonic / D major pentatonic",
        v,
    );
    let words = match id {
        "caged" => {
            let c = Chord::parse(pick(&["C", "G", "A", "E", "D"], v)).map_err(theory)?;
            for (_, shape) in caged_shapes(&c) {
                seq.run(&sounding(&shape), 0.5);
                seq.next_bar();
            }
            c.to_string()
        }
        "open-tunings" => {
            let tuning = Tuning::named(pick(&["open g", "open d", "open e", "dadgad"], v))
                .map_err(theory)?;
            let found = identify(&tuning.pitch_classes())
                .into_iter()
                .next()
                .ok_or_else(|| bug(id))?;
            let c = Chord::parse(&found.symbol).map_err(theory)?;
            seq = chord_bars(&[c.clone(), c.clone()], "easy7", "0 -3 -2 -1 1 -3 -2 -1", 0)?;
            format!("{c} ({})", tuning.name)
        }
        "arpeggios" | "sweep-picking" => {
            let sets = if id == "arpeggios" {
                "C Am F G / G Em C D / Dm Bb F C"
            } else {
                "Dm C Bm C / Em D C Bm / Gm F Eb D"
            };
            let (cs, words) = chord_set(variant(sets, v))?;
            for c in &cs {
                let s = if id == "arpeggios" {
                    chord_strings(c, "barre")?
                } else {
                    // Sweeps use the A shape: five strings, one note on each.
                    let a = caged_shapes(c)
                        .into_iter()
                        .find(|(n, v)| n == "A" && v.kind == "barre");
                    sounding(&a.ok_or_else(|| bug(id))?.1)
                };
                let lo = s.iter().map(|p| p.1).min().unwrap_or(0);
                let (hi, top) = (
                    s.iter().map(|p| p.1).max().unwrap_or(0),
                    s.last().map_or(0, |p| p.1),
                );
                // Arpeggios: every chord tone in the shape's frets. Sweeps: the next chord tone
                // above the shape on the top string.
                let mut tones = Vec::new();
                for tone in c.tones() {
                    for p in t.positions(&Note::pitch_class(tone), hi + 5) {
                        let wanted = match id {
                            "arpeggios" => p.fret >= lo && p.fret <= hi + 1,
                            _ => p.string == 1 && p.fret > top,
                        };
                        if wanted {
                            tones.push((midi((p.string, p.fret))?, p.fret, (p.string, p.fret)));
                        }
                    }
                }
                tones.sort();
                tones.dedup_by_key(|x| x.0);
                let tones: Vec<Pos> = tones.iter().map(|x| x.2).collect();
                if id == "arpeggios" {
                    seq.run(&up_down(&tones), 0.5);
                } else {
                    seq.run(
                        &up_down(&[&s[..], &tones[..tones.len().min(1)]].concat()),
                        0.25,
                    );
                }
                seq.next_bar();
            }
            words
        }
        "legato" | "slides" => {
            let sc = scale(name)?;
            let lo = u32::from(id == "slides");
            let mut pairs = Vec::new();
            for s in (1..=6).rev() {
                if let [a, b, ..] = in_position(&sc, lo, 5, [s, s])?.as_slice() {
                    pairs.push((pos(a), pos(b)));
                }
            }
            let (up, down) = if id == "legato" {
                (Tech::HammerOn, Tech::PullOff)
            } else {
                (Tech::Slide, Tech::Slide)
            };
            pairs.iter().for_each(|&(a, b)| {
                seq.then(a, 0.5);
                seq.with(b, 0.5, up);
            });
            pairs.iter().rev().for_each(|&(a, b)| {
                seq.then(b, 0.5);
                seq.with(a, 0.5, down);
            });
            name.to_string()
        }
        "slide-guitar" | "bending" | "lead-playing" => {
            let name = variant(
                "A minor pentatonic / G minor pentatonic / B minor pentatonic",
                v,
            );
            let sc = scale(name)?;
            let b = tonic_box(&sc)?;
            let top: Vec<Pos> = b.iter().filter(|m| m.string <= 4).map(pos).collect();
            match id {
                "slide-guitar" => top.chunks(2).filter(|p| p.len() == 2).for_each(|p| {
                    seq.then(p[0], 0.5);
                    seq.with(p[1], 0.5, Tech::Slide);
                    seq.with(p[1], 1.0, Tech::Vibrato);
                }),
                "bending" => {
                    for &p in top.iter().filter(|p| p.0 <= 3) {
                        // Half- and whole-step bends: the next scale note within two frets.
                        if let Some(to) = next_on_string(&sc, p).filter(|to| to.1 - p.1 <= 2) {
                            seq.then(to, 1.0);
                            seq.bend(p, 2.0, to.1);
                            seq.next_bar();
                        }
                    }
                }
                _ => {
                    let gb: Vec<Pos> = top
                        .iter()
                        .copied()
                        .filter(|p| p.0 == 3 || p.0 == 2)
                        .collect();
                    seq.run(&gb, 0.5);
                    if let Some(&p) = gb.get(1) {
                        seq.bend(p, 1.0, next_on_string(&sc, p).map_or(p.1 + 2, |to| to.1));
                        seq.then(gb[0], 1.0);
                    }
                    if let Some(home) = b.iter().rfind(|m| m.degree == 1 && m.string <= 4) {
                        seq.with(pos(home), 2.0, Tech::Vibrato);
                    }
                }
            }
            name.to_string()
        }
        "tapping" => {
            let sc = scale(name)?;
            for s in [1, 2, 3] {
                let on: Vec<Pos> = scale_map(&sc, &t, 5, 17)
                    .iter()
                    .filter(|m| m.string == s)
                    .map(pos)
                    .collect();
                // Index finger, hammered note, and a tapped note at least seven frets up.
                if let [lo, mid, ..] = on[..]
                    && let Some(&hi) = on.iter().find(|p| p.1 >= lo.1 + 7)
                {
                    for _ in 0..2 {
                        seq.then(hi, 0.5);
                        seq.with(lo, 0.5, Tech::PullOff);
                        seq.with(mid, 0.5, Tech::HammerOn);
                        seq.with(lo, 0.5, Tech::PullOff);
                    }
                }
            }
            name.to_string()
        }
        "harmonics" => {
            let order: Vec<usize> = if v.is_multiple_of(2) {
                (1..=6).rev().collect()
            } else {
                (1..=6).collect()
            };
            order.iter().for_each(|&s| seq.then((s, 12), 2.0));
            String::new()
        }
        "alternate-picking" | "setup-maintenance" => {
            let first = if id == "setup-maintenance" {
                0
            } else {
                1 + (v % 2) as u32
            };
            let frets: Vec<u32> = if first == 0 {
                vec![1, 3, 5]
            } else {
                (first..first + 4).collect()
            };
            let strings: Vec<usize> = if v % 3 == 2 {
                (1..=6).collect()
            } else {
                (1..=6).rev().collect()
            };
            strings
                .iter()
                .for_each(|&s| frets.iter().for_each(|&f| seq.then((s, f), 0.5)));
            frets
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("-")
        }
        "tuning" => {
            let low_first = v % 3 != 2;
            if v % 3 == 1 {
                // Fretted unisons: the fret on each string that sounds the next open string.
                for s in (2..=6).rev() {
                    let open = t.open(s - 1).map_err(theory)?;
                    let f = t
                        .positions(&open, 12)
                        .into_iter()
                        .find(|p| p.string == s)
                        .ok_or_else(|| bug(id))?
                        .fret;
                    seq.run(&[(s, f), (s - 1, 0)], 2.0);
                }
                "and fretted unisons".to_string()
            } else {
                let order: Vec<usize> = if low_first {
                    (1..=6).rev().collect()
                } else {
                    (1..=6).collect()
                };
                order.iter().for_each(|&s| seq.then((s, 0), 2.0));
                (if low_first {
                    "low to high"
                } else {
                    "high to low"
                })
                .to_string()
            }
        }
        "note-names" => {
            let s = pick(&[[5, 6], [4, 5], [3, 4]], v);
            let notes: Vec<Pos> = in_position(&scale("C major")?, 0, 5, s)?
                .iter()
                .map(pos)
                .collect();
            seq.run(&up_down(&notes), 1.0);
            format!("strings {} and {}", s[1], s[0])
        }
        "reading-tab" | "standard-notation" => {
            let keys = match id {
                "reading-tab" => "C major / G major / D major",
                _ => "F major / A major / E major",
            };
            let key = variant(keys, v);
            let melody = variant(
                "Ode to Joy / Twinkle, Twinkle",
                v + usize::from(id != "reading-tab"),
            );
            let tune: Vec<(usize, f64)> = row(MELODIES, melody)
                .and_then(|r| r.first().copied())
                .unwrap_or_default()
                .split_whitespace()
                .filter_map(|n| {
                    let (step, beats) = n.split_once(':').unwrap_or((n, "1"));
                    Some((step.parse().ok()?, beats.parse().ok()?))
                })
                .collect();
            let notes = in_position(&scale(key)?, 0, 5, [1, 6])?;
            let top = tune.iter().map(|x| x.0).max().unwrap_or(0);
            // The highest tonic the tune fits above, so it sits on the treble strings.
            let start = (0..notes.len())
                .rev()
                .find(|&i| notes[i].degree == 1 && i + top < notes.len())
                .ok_or_else(|| bug(id))?;
            tune.iter()
                .for_each(|&(step, beats)| seq.then(pos(&notes[start + step]), beats));
            format!("{melody} in {key}")
        }
        "groove" | "style-funk" => {
            let name = pick(&["A minor pentatonic", "E dorian", "D dorian"], v);
            let b: Vec<Pos> = tonic_box(&scale(name)?)?.iter().map(pos).collect();
            let groove: &[(f64, usize)] = if id == "groove" {
                &[(0.0, 0), (0.75, 0), (1.5, 2), (2.0, 3), (2.75, 2), (3.5, 1)]
            } else {
                &[
                    (0.0, 6),
                    (0.25, 6),
                    (0.75, 8),
                    (1.5, 7),
                    (2.25, 6),
                    (2.5, 9),
                    (3.0, 8),
                    (3.5, 6),
                ]
            };
            for bar in 0..4 {
                let hits: Vec<(f64, Pos)> = groove
                    .iter()
                    .filter_map(|&(at, i)| b.get(i).map(|&p| (at, p)))
                    .collect();
                for (k, &(at, p)) in hits.iter().enumerate() {
                    seq.at(
                        4.0 * f64::from(bar) + at,
                        p,
                        hits.get(k + 1).map_or(4.0, |n| n.0) - at,
                        None,
                    );
                }
            }
            name.to_string()
        }
        "blues-form" => {
            let key = Key::parse(pick(&["A major", "E major", "D major"], v)).map_err(theory)?;
            let degrees = key.scale().notes();
            let fifth: Interval = "5P".parse().map_err(theory)?;
            for d in [0, 0, 0, 0, 3, 3, 0, 0, 4, 3, 0, 4] {
                let pc = *degrees.get(d).ok_or_else(|| bug(id))?;
                let low = t
                    .positions(&Note::pitch_class(pc), 5)
                    .into_iter()
                    .find(|p| p.string >= 5);
                let root = low.map(|p| (p.string, p.fret)).ok_or_else(|| bug(id))?;
                seq.run(&[root, place(&note_at(root)?.transpose(&fifth), 5)?], 2.0);
            }
            key.to_string()
        }
        "intervals" | "ear-training" => {
            let (list, max_fret) = if id == "intervals" {
                (&["2M", "3m", "3M", "4P", "5P", "8P"][..], 5)
            } else {
                (
                    &[
                        "2m", "2M", "3m", "3M", "4P", "4A", "5P", "6m", "6M", "7m", "7M", "8P",
                    ][..],
                    7,
                )
            };
            let root = pick(&[(5, 0), (6, 0), (4, 0)], v);
            let r = note_at(root)?;
            for name in list {
                let target = r.transpose(&name.parse::<Interval>().map_err(theory)?);
                seq.run(&[root, place(&target, max_fret)?], 1.0);
                seq.next_bar();
            }
            r.to_string()
        }
        _ => return Err(bug(id)),
    };
    Ok((seq, words))
}

/// ASCII tab of `steps` with a bar line every four beats, spaced so that reading it back with
/// `Exercise::from_tab` gives the same beats.
fn render_tab(steps: &[Step]) -> Result<String, LearnerError> {
    let unit = if steps.iter().all(|s| (s.beat * 2.0).fract() == 0.0) {
        0.5
    } else {
        0.25
    };
    let bars = steps
        .iter()
        .map(|s| (s.beat / 4.0).floor() as usize + 1)
        .max()
        .unwrap_or(1);
    // Columns of the technique mark before the fret, and of the fret with its bend and vibrato.
    let widths = |s: &Step| {
        let mark = matches!(
            s.technique,
            Some(Tech::HammerOn | Tech::PullOff | Tech::Slide)
        );
        let bend = s.bend_to.map_or(0, |t| 1 + t.to_string().len());
        let vibrato = usize::from(s.technique == Some(Tech::Vibrato));
        (usize::from(mark), s.fret.to_string().len() + bend + vibrato)
    };
    for k in 2..=12usize {
        let width = (4.0 / unit) as usize * k;
        // Every bar line passed adds a column.
        let col = |beat: f64| (beat / unit).round() as usize * k + (beat / 4.0).floor() as usize;
        let on_bar = |c: usize| c % (width + 1) == width;
        let mut end: Option<usize> = None;
        // At least one dash between notes, and no note written over a bar line.
        let fits = steps.iter().all(|s| {
            let ((m, w), c) = (widths(s), col(s.beat));
            let ok =
                c >= m && end.is_none_or(|e| c - m > e + 1) && !(c - m.min(c)..c + w).any(on_bar);
            end = Some(c + w - 1);
            ok
        });
        if !fits {
            continue;
        }
        let events = steps.iter().enumerate().map(|(i, s)| {
            let before = i.checked_sub(1).and_then(|j| steps.get(j));
            let technique = match s.technique {
                Some(Tech::HammerOn) => Technique::HammerOn,
                Some(Tech::PullOff) => Technique::PullOff,
                Some(Tech::Slide) if before.is_some_and(|p| p.fret > s.fret) => {
                    Technique::SlideDown
                }
                Some(Tech::Slide) => Technique::SlideUp,
                Some(Tech::Bend) => Technique::Bend,
                _ => Technique::Picked,
            };
            let vibrato = s.technique == Some(Tech::Vibrato);
            TabEvent {
                string: s.string,
                fret: Some(s.fret),
                column: col(s.beat),
                technique,
                target_fret: s.bend_to,
                vibrato,
                beat: Some(s.beat),
            }
        });
        let labels = ["e", "B", "G", "D", "A", "E"].map(String::from).to_vec();
        let columns = bars * (width + 1) - 2;
        let text = Tab {
            labels,
            events: events.collect(),
            columns,
        }
        .render();
        // `render` closes the last bar; the bar lines between bars are drawn here.
        let mut out = String::new();
        for line in text.lines() {
            let mut chars: Vec<char> = line.chars().collect();
            let start = chars.iter().position(|&ch| ch == '|').map_or(0, |p| p + 1);
            for b in 0..bars - 1 {
                if let Some(ch) = chars.get_mut(start + b * (width + 1) + width) {
                    *ch = '|';
                }
            }
            out.extend(chars);
            out.push('\n');
        }
        return Ok(out);
    }
    Err(bug("a tab layout"))
}
