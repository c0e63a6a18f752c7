//! `fretwise theory …`: the theory engine on the command line, and the batch protocol.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use fretwise_theory::{
    Chord, Interval, Key, Note, PitchClass, Scale, Tab, Tuning, VoicingOptions, diagram_svg,
    diagram_text, identify, voicings,
};
use serde_json::json;

use crate::output::print_json;

/// `fretwise theory` arguments.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct TheoryArgs {
    /// Read one JSON query per line on stdin, write one JSON answer per line on stdout.
    #[arg(long)]
    batch: bool,
    #[command(subcommand)]
    command: Option<TheoryCommand>,
}

#[derive(Debug, Subcommand)]
enum TheoryCommand {
    /// Spell a chord symbol and name its tones (Cmaj7, F#m7b5, G7/B)
    Chord {
        /// Chord symbol.
        symbol: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Spell a scale ("D dorian", "A minor pentatonic") and list the chords that fit it
    Scale {
        /// Tonic and scale name.
        scale: String,
        /// Also show fingering patterns on the neck (pentatonic boxes / three notes per string).
        #[arg(long)]
        patterns: bool,
        /// Tuning for --patterns.
        #[arg(long, default_value = "standard")]
        tuning: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The five CAGED shapes of a major or minor chord, up the neck
    Caged {
        /// Chord symbol (major or minor triad).
        symbol: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The interval between two notes (C4 G4, or E G without octaves)
    Interval {
        /// From.
        from: String,
        /// To.
        to: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Transpose a note by an interval, keeping the spelling right (F#3 m3 → A3)
    Transpose {
        /// Note.
        note: String,
        /// Interval (m3, 3m, P5, -M2 …).
        interval: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Name the chord some notes make, best first (first note = bass)
    Identify {
        /// Notes.
        #[arg(required = true)]
        notes: Vec<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// A key's signature, scale, diatonic chords, relative and parallel keys
    Key {
        /// "Bb major", "C# harmonic minor".
        key: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Roman-numeral analysis of a progression in a key
    Progression {
        /// Chords, e.g. "Dm7 G7 Cmaj7".
        chords: String,
        /// Key, e.g. C or "A minor".
        #[arg(long)]
        key: String,
        /// Also transpose the progression by this interval.
        #[arg(long)]
        transpose: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Playable voicings of a chord with diagrams
    Voicings {
        /// Chord symbol.
        symbol: String,
        /// Tuning: standard, "drop D", DADGAD, "open G", ukulele … or notes low to high.
        #[arg(long, default_value = "standard")]
        tuning: String,
        /// How many voicings.
        #[arg(long, default_value_t = 6)]
        limit: usize,
        /// Write an SVG diagram of the easiest voicing here.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The note at a string and fret, and where else it is on the neck
    Fret {
        /// String (1 = highest).
        #[arg(long)]
        string: usize,
        /// Fret (0 = open).
        #[arg(long)]
        fret: u32,
        /// Tuning.
        #[arg(long, default_value = "standard")]
        tuning: String,
        /// Capo fret: also say what key chord shapes sound in.
        #[arg(long)]
        capo: Option<u8>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Parse an ASCII tab file: notes, techniques, timing
    Tab {
        /// Tab file.
        file: PathBuf,
        /// Tuning of the tab.
        #[arg(long, default_value = "standard")]
        tuning: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn strings<T: ToString>(xs: &[T]) -> Vec<String> {
    xs.iter().map(ToString::to_string).collect()
}

pub fn run(args: TheoryArgs) -> anyhow::Result<()> {
    if args.batch {
        let stdin = std::io::stdin();
        let stdout = std::io::stdout();
        fretwise_theory::run_batch(stdin.lock(), std::io::BufWriter::new(stdout.lock()))?;
        return Ok(());
    }
    let Some(cmd) = args.command else {
        bail!("give a theory command (fretwise theory --help) or --batch");
    };
    match cmd {
        TheoryCommand::Chord { symbol, json } => show_chord(symbol, json),
        TheoryCommand::Scale {
            scale,
            patterns,
            tuning,
            json,
        } => show_scale(scale, patterns, tuning, json),
        TheoryCommand::Caged { symbol, json } => show_caged(symbol, json),
        TheoryCommand::Interval { from, to, json } => show_interval(from, to, json),
        TheoryCommand::Transpose {
            note,
            interval,
            json,
        } => show_transpose(note, interval, json),
        TheoryCommand::Identify { notes, json } => show_identify(notes, json),
        TheoryCommand::Key { key, json } => show_key(key, json),
        TheoryCommand::Progression {
            chords,
            key,
            transpose,
            json,
        } => show_progression(chords, key, transpose, json),
        TheoryCommand::Voicings {
            symbol,
            tuning,
            limit,
            svg,
            json,
        } => show_voicings(symbol, tuning, limit, svg, json),
        TheoryCommand::Fret {
            string,
            fret,
            tuning,
            capo,
            json,
        } => show_fret(string, fret, tuning, capo, json),
        TheoryCommand::Tab { file, tuning, json } => show_tab(file, tuning, json),
    }
}

/// `fretwise theory chord`.
fn show_chord(symbol: String, json: bool) -> anyhow::Result<()> {
    let c = Chord::parse(&symbol)?;
    let t = c.chord_type();
    if json {
        return print_json(&json!({
            "symbol": c.to_string(), "name": t.name, "notes": c.note_names(),
            "bass": c.bass.map(|b| b.to_string()), "tones": c.tone_functions(),
            "aliases": t.symbols,
        }));
    }
    println!("{}  {}", c, if t.name.is_empty() { "" } else { &t.name });
    println!("notes  {}", c.note_names().join(" "));
    for tone in c.tone_functions() {
        println!("  {:<4} {:<4} {}", tone.note, tone.interval, tone.function);
    }
    Ok(())
}

/// `fretwise theory scale`.
fn show_scale(scale: String, patterns: bool, tuning: String, json: bool) -> anyhow::Result<()> {
    let s = Scale::parse(&scale)?;
    let chords = strings(&s.fitting_chords());
    let t = Tuning::named(&tuning)?;
    let pats = if patterns {
        fretwise_theory::scale_patterns(&s, &t)
    } else {
        Vec::new()
    };
    if json {
        return print_json(
            &json!({"tonic": s.tonic.to_string(), "name": s.scale_type().name,
            "notes": s.note_names(), "intervals": strings(&s.scale_type().intervals), "chords": chords,
            "patterns": pats}),
        );
    }
    println!(
        "{} {}: {}",
        s.tonic,
        s.scale_type().name,
        s.note_names().join(" ")
    );
    println!("chords that fit: {}", chords.join(" "));
    for p in &pats {
        println!(
            "\npattern from degree {} ({} notes per string, stretch {} frets)",
            p.start_degree, p.notes_per_string, p.stretch
        );
        for string in 1..=t.string_count() {
            let frets: Vec<String> = p
                .notes
                .iter()
                .filter(|n| n.string == string)
                .map(|n| format!("{}({})", n.fret, n.note))
                .collect();
            let label = t.open(string).map(|n| n.pc.to_string()).unwrap_or_default();
            println!("  {label:<3}{}", frets.join("  "));
        }
    }
    Ok(())
}

/// `fretwise theory caged`.
fn show_caged(symbol: String, json: bool) -> anyhow::Result<()> {
    let c = Chord::parse(&symbol)?;
    let shapes = fretwise_theory::caged_shapes(&c);
    if shapes.is_empty() {
        bail!("CAGED shapes are defined for major and minor triads; {c} is neither");
    }
    if json {
        let list: Vec<_> = shapes
            .iter()
            .map(|(n, v)| json!({"shape": n, "frets": v.shape(), "voicing": v}))
            .collect();
        return print_json(&json!({"chord": c.to_string(), "caged": list}));
    }
    let t = Tuning::standard();
    for (name, v) in &shapes {
        println!("{name} shape\n{}", diagram_text(&c.to_string(), v, &t));
    }
    Ok(())
}

/// `fretwise theory interval`.
fn show_interval(from: String, to: String, json: bool) -> anyhow::Result<()> {
    let (a, b): (Note, Note) = (from.parse()?, to.parse()?);
    let i = Interval::between(&a, &b);
    if json {
        return print_json(&json!({"interval": i.to_string(), "name": i.long_name(),
            "semitones": i.semitones(), "inversion": i.invert().to_string()}));
    }
    println!(
        "{} → {}: {} ({}), {} semitones",
        a,
        b,
        i.short_name(),
        i.long_name(),
        i.semitones()
    );
    Ok(())
}

/// `fretwise theory transpose`.
fn show_transpose(note: String, interval: String, json: bool) -> anyhow::Result<()> {
    let n: Note = note.parse()?;
    let i: Interval = interval.parse()?;
    let r = n.transpose(&i);
    if json {
        return print_json(&json!({"note": r.to_string(), "midi": r.midi()}));
    }
    println!("{n} + {} = {r}", i.long_name());
    Ok(())
}

/// `fretwise theory identify`.
fn show_identify(notes: Vec<String>, json: bool) -> anyhow::Result<()> {
    let pcs = notes
        .iter()
        .map(|n| n.parse::<Note>().map(|n| n.pc))
        .collect::<Result<Vec<PitchClass>, _>>()?;
    let found = identify(&pcs);
    if json {
        return print_json(&json!({"chords": found}));
    }
    if found.is_empty() {
        println!("no chord in the vocabulary has exactly these notes");
    }
    for c in found.iter().take(8) {
        let omitted = if c.omitted.is_empty() {
            String::new()
        } else {
            format!(" (no {})", c.omitted.join(", "))
        };
        println!("{:<12} {}{}", c.symbol, c.name, omitted);
    }
    Ok(())
}

/// `fretwise theory key`.
fn show_key(key: String, json: bool) -> anyhow::Result<()> {
    let k = Key::parse(&key)?;
    let sig = k.signature();
    if json {
        return print_json(&json!({
            "key": k.to_string(), "signature": sig, "accidentals": k.signature_notes(),
            "scale": k.scale().note_names(), "triads": strings(&k.triads()),
            "sevenths": strings(&k.sevenths()), "relative": k.relative().to_string(),
            "parallel": k.parallel().to_string(),
        }));
    }
    let sig_words = match sig {
        0 => "no sharps or flats".to_string(),
        n if n > 0 => format!("{n} sharp(s): {}", k.signature_notes().join(" ")),
        n => format!("{} flat(s): {}", -n, k.signature_notes().join(" ")),
    };
    println!("{k}: {sig_words}");
    println!("scale     {}", k.scale().note_names().join(" "));
    println!("triads    {}", strings(&k.triads()).join(" "));
    println!("sevenths  {}", strings(&k.sevenths()).join(" "));
    println!("relative  {}   parallel {}", k.relative(), k.parallel());
    Ok(())
}

/// `fretwise theory progression`.
fn show_progression(
    chords: String,
    key: String,
    transpose: Option<String>,
    json: bool,
) -> anyhow::Result<()> {
    let k = Key::parse(&key)?;
    let analysis = fretwise_theory::analyze_progression(&chords, &k)?;
    let moved = match &transpose {
        Some(i) => Some(strings(&fretwise_theory::transpose_progression(
            &chords,
            &i.parse()?,
        )?)),
        None => None,
    };
    if json {
        return print_json(
            &json!({"key": k.to_string(), "analysis": analysis, "transposed": moved}),
        );
    }
    println!("in {k}:");
    for r in &analysis {
        println!("  {:<10} {:<10} {}", r.chord, r.numeral, r.function);
    }
    if let Some(m) = moved {
        println!("transposed: {}", m.join(" "));
    }
    Ok(())
}

/// `fretwise theory voicings`.
fn show_voicings(
    symbol: String,
    tuning: String,
    limit: usize,
    svg: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    let c = Chord::parse(&symbol)?;
    let t = Tuning::named(&tuning)?;
    let vs = voicings(
        &c,
        &t,
        &VoicingOptions {
            limit,
            ..Default::default()
        },
    );
    if let (Some(path), Some(v)) = (&svg, vs.first()) {
        std::fs::write(path, diagram_svg(&c.to_string(), v))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if json {
        let list: Vec<_> = vs
            .iter()
            .map(|v| json!({"shape": v.shape(), "voicing": v}))
            .collect();
        return print_json(&json!({"chord": c.to_string(), "tuning": t.name, "voicings": list}));
    }
    if vs.is_empty() {
        println!("no playable voicing of {c} within a four-fret stretch in this tuning");
    }
    for v in &vs {
        println!(
            "{}  [{}] difficulty {:.2}  {}",
            diagram_text(&c.to_string(), v, &t),
            v.kind,
            v.difficulty,
            v.notes.join(" ")
        );
    }
    Ok(())
}

/// `fretwise theory fret`.
fn show_fret(
    string: usize,
    fret: u32,
    tuning: String,
    capo: Option<u8>,
    json: bool,
) -> anyhow::Result<()> {
    let t = Tuning::named(&tuning)?;
    let n = t.note_at(string, fret, true)?;
    let pc_positions = t.positions(&n, 15);
    let sounding = capo
        .map(|c| t.note_at(string, fret + u32::from(c), true))
        .transpose()?;
    let capo_key = capo.map(|c| fretwise_theory::capo_shapes_sound_in(n.pc, c).to_string());
    if json {
        return print_json(&json!({"note": n.to_string(), "midi": n.midi(),
            "frequency_hz": n.frequency(440.0), "same_pitch_at": pc_positions,
            "with_capo_sounds": sounding.map(|s| s.to_string()), "capo_shapes_in_this_key_sound_in": capo_key}));
    }
    println!(
        "string {string}, fret {fret}: {n} ({:.2} Hz)",
        n.frequency(440.0).unwrap_or(0.0)
    );
    let others: Vec<String> = pc_positions
        .iter()
        .filter(|p| !(p.string == string && p.fret == fret))
        .map(|p| format!("string {} fret {}", p.string, p.fret))
        .collect();
    if !others.is_empty() {
        println!("same pitch at: {}", others.join(", "));
    }
    if let (Some(c), Some(s), Some(k)) = (capo, sounding, capo_key) {
        println!(
            "with a capo at fret {c} it sounds {s}; {} shapes sound in {k}",
            n.pc
        );
    }
    Ok(())
}

/// `fretwise theory tab`.
fn show_tab(file: PathBuf, tuning: String, json: bool) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let tab = Tab::parse(&text).with_context(|| file.display().to_string())?;
    let t = Tuning::named(&tuning)?;
    let notes = tab.notes(&t);
    if json {
        let events: Vec<_> = tab
            .events
            .iter()
            .zip(&notes)
            .map(|(e, n)| json!({"event": e, "note": n.map(|n| n.to_string())}))
            .collect();
        return print_json(&json!({"strings": tab.labels, "events": events}));
    }
    for (e, n) in tab.events.iter().zip(&notes) {
        let beat = e.beat.map(|b| format!("beat {b:>5.2}")).unwrap_or_default();
        println!(
            "{beat:<11} string {} fret {:<3} {:<5} {:?}{}",
            e.string,
            e.fret.map_or("x".into(), |f| f.to_string()),
            n.map_or("-".into(), |n| n.to_string()),
            e.technique,
            if e.vibrato { " ~" } else { "" }
        );
    }
    Ok(())
}
