//! Chord voicings on the fretboard: playable shapes within a hand stretch, with fingering,
//! open strings, barres and a difficulty score; chord diagrams as text and SVG.

use std::fmt::Write;

use serde::Serialize;

use crate::chord::Chord;
use crate::guitar::Tuning;
use crate::note::PitchClass;

/// One playable voicing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Voicing {
    /// Fret per string, lowest string first; `None` = muted.
    pub frets: Vec<Option<u32>>,
    /// Finger per string (1 = index … 4 = little finger, 0 = open, None = muted).
    pub fingers: Vec<Option<u8>>,
    /// Barre: (fret, lowest string index, highest string index), string indices lowest first.
    pub barre: Option<Barre>,
    /// Sounding notes, lowest first.
    pub notes: Vec<String>,
    /// Lower is easier.
    pub difficulty: f64,
    /// "open" (cowboy chord), "barre", or "movable".
    pub kind: String,
}

impl Voicing {
    /// Compact notation, lowest string first: `x02010`, or `x-10-12-11-12-x` above fret 9.
    pub fn shape(&self) -> String {
        let wide = self.frets.iter().flatten().any(|&f| f > 9);
        let parts: Vec<String> = self
            .frets
            .iter()
            .map(|f| f.map_or("x".to_string(), |v| v.to_string()))
            .collect();
        if wide {
            parts.join("-")
        } else {
            parts.concat()
        }
    }
}

/// Options for [`voicings`].
#[derive(Debug, Clone)]
pub struct VoicingOptions {
    /// Highest fret considered.
    pub max_fret: u32,
    /// Largest span between the lowest and highest fretted note (frets).
    pub max_span: u32,
    /// How many voicings to return.
    pub limit: usize,
}

impl Default for VoicingOptions {
    fn default() -> Self {
        Self {
            max_fret: 14,
            max_span: 3,
            limit: 12,
        }
    }
}

/// A barre: (fret, lowest string index, highest string index).
type Barre = (u32, usize, usize);

pub(crate) fn fingers_for(frets: &[Option<u32>]) -> Option<(Vec<Option<u8>>, Option<Barre>)> {
    let fretted: Vec<(usize, u32)> = frets
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.filter(|&v| v > 0).map(|v| (i, v)))
        .collect();
    let mut fingers: Vec<Option<u8>> = frets.iter().map(|f| f.map(|_| 0)).collect();
    if fretted.is_empty() {
        return Some((fingers, None));
    }
    let min = fretted.iter().map(|&(_, f)| f).min().unwrap_or(0);
    let at_min: Vec<usize> = fretted
        .iter()
        .filter(|&&(_, f)| f == min)
        .map(|&(i, _)| i)
        .collect();
    // A barre lies flat across every string from the lowest to the highest string at the
    // lowest fret; no string in between may be open (the finger would stop it).
    // A barre only when it is needed: more fretted notes than four fingers.
    let mut barre = None;
    if at_min.len() >= 2 && fretted.len() > 4 {
        let (lo, hi) = (at_min[0], at_min[at_min.len() - 1]);
        let blocked = (lo..=hi).any(|i| frets[i] == Some(0));
        if !blocked {
            barre = Some((min, lo, hi));
        }
    }
    let mut next_finger = 1u8;
    let mut order: Vec<(usize, u32)> = fretted.clone();
    // Lower frets take lower fingers; on the same fret, the lower string first.
    order.sort_by_key(|&(i, f)| (f, i));
    if let Some((bf, lo, hi)) = barre {
        for i in lo..=hi {
            if frets[i] == Some(bf) {
                fingers[i] = Some(1);
            }
        }
        next_finger = 2;
        order.retain(|&(i, f)| !(f == bf && (lo..=hi).contains(&i)));
    }
    for (i, _) in order {
        if next_finger > 4 {
            return None;
        }
        fingers[i] = Some(next_finger);
        next_finger += 1;
    }
    Some((fingers, barre))
}

/// Playable voicings of `chord` in `tuning`, easiest first.
///
/// ```
/// use fretwise_theory::{Chord, Tuning, voicings};
/// let v = voicings(&Chord::parse("C").unwrap(), &Tuning::standard(), &Default::default());
/// assert_eq!(v[0].shape(), "x32010");
/// ```
pub fn voicings(chord: &Chord, tuning: &Tuning, opts: &VoicingOptions) -> Vec<Voicing> {
    let tones = chord.tones();
    let bass = chord.bass.unwrap_or(chord.root);
    let semis: Vec<i32> = tones.iter().map(|t| t.semitone()).collect();
    let fifth = chord
        .root
        .transpose(&crate::Interval::from_steps(4, 7))
        .semitone();
    // The fifth may be left out of chords with four or more tones.
    let required: Vec<i32> = semis
        .iter()
        .copied()
        .filter(|&s| !(tones.len() >= 4 && s == fifth))
        .chain(chord.bass.map(|b| b.semitone()))
        .collect();
    let allowed = |s: i32| semis.contains(&s) || s == bass.semitone();
    let opens: Vec<i32> = tuning
        .strings
        .iter()
        .map(|n| n.midi().unwrap_or(0))
        .collect();
    let n = opens.len();
    let min_sounding = if tones.len() <= 2 { 2 } else { 3.min(n) };

    let mut found: Vec<Voicing> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for lo in 0..=opts.max_fret.saturating_sub(1) {
        let hi = if lo == 0 {
            opts.max_span
        } else {
            lo + opts.max_span
        };
        // Candidate frets per string: muted, open, or inside the window.
        let choices: Vec<Vec<Option<u32>>> = opens
            .iter()
            .map(|&o| {
                let mut c: Vec<Option<u32>> = vec![None];
                if allowed((o).rem_euclid(12)) {
                    c.push(Some(0));
                }
                for f in lo.max(1)..=hi.min(opts.max_fret) {
                    if allowed((o + f as i32).rem_euclid(12)) {
                        c.push(Some(f));
                    }
                }
                c
            })
            .collect();
        let mut current = vec![None; n];
        search(0, &choices, &mut current, &mut |frets| {
            let sounding: Vec<(usize, i32)> = frets
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.map(|v| (i, opens[i] + v as i32)))
                .collect();
            if sounding.len() < min_sounding {
                return;
            }
            // The lowest-pitched note must be the bass (re-entrant tunings such as the ukulele
            // do not have it on the first string); mutes only below it or at most one inside.
            let lowest = sounding.iter().map(|&(_, m)| m).min().unwrap_or(0);
            if lowest.rem_euclid(12) != bass.semitone() {
                return;
            }
            let first = sounding[0].0;
            let inner_mutes = frets[first..].iter().filter(|f| f.is_none()).count();
            if inner_mutes > 1 {
                return;
            }
            if !required
                .iter()
                .all(|r| sounding.iter().any(|&(_, m)| m.rem_euclid(12) == *r))
            {
                return;
            }
            let fretted: Vec<u32> = frets.iter().flatten().copied().filter(|&f| f > 0).collect();
            if let (Some(&mn), Some(&mx)) = (fretted.iter().min(), fretted.iter().max())
                && mx - mn > opts.max_span
            {
                return;
            }
            let Some((fingers, barre)) = fingers_for(frets) else {
                return;
            };
            let key = frets.to_vec();
            if !seen.insert(key) {
                return;
            }
            let opens_used = frets.iter().filter(|f| **f == Some(0)).count();
            let mn = fretted.iter().min().copied().unwrap_or(0);
            let mx = fretted.iter().max().copied().unwrap_or(0);
            let kind = if mx <= 4 && opens_used > 0 {
                "open"
            } else if barre.is_some() {
                "barre"
            } else {
                "movable"
            };
            let used_fingers = fingers.iter().flatten().filter(|&&f| f > 0).count() as f64;
            let outer_mutes = (n - sounding.len()).saturating_sub(inner_mutes);
            let mut difficulty = f64::from(mx.saturating_sub(mn)) * 0.8
                + used_fingers * 0.5
                + f64::from(mn) * 0.08
                + inner_mutes as f64 * 1.5
                + outer_mutes as f64 * 0.7;
            if barre.is_some() {
                difficulty += 1.5;
            }
            // Open strings ringing far above the nut are possible but unusual.
            if mn > 4 {
                difficulty += opens_used as f64 * 0.6;
            }
            if kind == "open" {
                difficulty -= 1.0;
            }
            // Doubling the root in the bass region and full six-string sounds are idiomatic;
            // missing chord tones other than the fifth are not allowed above, so only reward fullness.
            difficulty -= sounding.len() as f64 * 0.15;
            let notes = sounding
                .iter()
                .map(|&(_, m)| {
                    let pc = tones
                        .iter()
                        .chain(std::iter::once(&bass))
                        .find(|t| t.semitone() == m.rem_euclid(12))
                        .copied()
                        .unwrap_or_else(|| PitchClass::from_semitone(m, true));
                    format!("{pc}{}", m.div_euclid(12) - 1)
                })
                .collect();
            found.push(Voicing {
                frets: frets.to_vec(),
                fingers,
                barre,
                notes,
                difficulty: (difficulty * 100.0).round() / 100.0,
                kind: kind.to_string(),
            });
        });
    }
    found.sort_by(|a, b| {
        a.difficulty
            .total_cmp(&b.difficulty)
            .then_with(|| a.shape().cmp(&b.shape()))
    });
    found.truncate(opts.limit);
    found
}

fn search(
    i: usize,
    choices: &[Vec<Option<u32>>],
    current: &mut Vec<Option<u32>>,
    visit: &mut dyn FnMut(&[Option<u32>]),
) {
    if i == choices.len() {
        visit(current);
        return;
    }
    for &c in &choices[i] {
        current[i] = c;
        search(i + 1, choices, current, visit);
    }
}

/// The first fret a diagram shows and how many fret rows it needs.
fn diagram_window(v: &Voicing) -> (u32, u32) {
    let fretted: Vec<u32> = v
        .frets
        .iter()
        .flatten()
        .copied()
        .filter(|&f| f > 0)
        .collect();
    let max = fretted.iter().max().copied().unwrap_or(0);
    let start = if max <= 4 {
        1
    } else {
        fretted.iter().min().copied().unwrap_or(1)
    };
    (start, 4.max(max.saturating_sub(start) + 1))
}

/// A chord diagram as text: strings as columns (lowest on the left), frets as rows.
pub fn diagram_text(name: &str, v: &Voicing, tuning: &Tuning) -> String {
    let (start, rows) = diagram_window(v);
    let mut out = String::new();
    let _ = writeln!(out, "{name}  {}", v.shape());
    let marks: Vec<String> = v
        .frets
        .iter()
        .map(|f| match f {
            None => "x".into(),
            Some(0) => "o".into(),
            _ => " ".into(),
        })
        .collect();
    let _ = writeln!(out, "  {}", marks.join(" "));
    let width = v.frets.len() * 2 - 1;
    if start == 1 {
        let _ = writeln!(out, "  {}", "=".repeat(width));
    } else {
        let _ = writeln!(out, "  {}", "-".repeat(width));
    }
    for r in 0..rows {
        let fret = start + r;
        let cells: Vec<&str> = v
            .frets
            .iter()
            .map(|f| if *f == Some(fret) { "●" } else { "|" })
            .collect();
        let label = if r == 0 && start > 1 {
            format!("  {start}fr")
        } else {
            String::new()
        };
        let _ = writeln!(out, "  {}{label}", cells.join(" "));
    }
    let names: Vec<String> = tuning.strings.iter().map(|n| n.pc.to_string()).collect();
    let _ = writeln!(
        out,
        "  {}",
        names
            .iter()
            .map(|s| s.chars().next().unwrap_or(' ').to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let fingers: Vec<String> = v
        .fingers
        .iter()
        .map(|f| match f {
            Some(n) if *n > 0 => n.to_string(),
            _ => " ".into(),
        })
        .collect();
    let _ = writeln!(out, "  {}", fingers.join(" "));
    out
}

/// A chord diagram as a standalone SVG image.
pub fn diagram_svg(name: &str, v: &Voicing) -> String {
    let n = v.frets.len();
    let (start, rows) = diagram_window(v);
    let (sx, sy, gap, fh) = (30.0, 50.0, 24.0, 28.0);
    let w = sx * 2.0 + gap * (n as f64 - 1.0);
    let h = sy + fh * f64::from(rows) + 30.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"#
    );
    let _ = write!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="18">{}</text>"#,
        w / 2.0,
        escape(name)
    );
    for i in 0..n {
        let x = sx + gap * i as f64;
        let _ = write!(
            s,
            r#"<line x1="{x}" y1="{sy}" x2="{x}" y2="{}" stroke="black"/>"#,
            sy + fh * f64::from(rows)
        );
    }
    for r in 0..=rows {
        let y = sy + fh * f64::from(r);
        let width = if r == 0 && start == 1 { 4 } else { 1 };
        let _ = write!(
            s,
            r#"<line x1="{sx}" y1="{y}" x2="{}" y2="{y}" stroke="black" stroke-width="{width}"/>"#,
            sx + gap * (n as f64 - 1.0)
        );
    }
    if start > 1 {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" font-size="12">{start}fr</text>"#,
            sx + gap * (n as f64 - 1.0) + 6.0,
            sy + fh * 0.6
        );
    }
    if let Some((bf, lo, hi)) = v.barre {
        let y = sy + fh * (f64::from(bf - start) + 0.5);
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{}" height="14" rx="7" fill="black"/>"#,
            sx + gap * lo as f64 - 7.0,
            y - 7.0,
            gap * (hi - lo) as f64 + 14.0
        );
    }
    for (i, f) in v.frets.iter().enumerate() {
        let x = sx + gap * i as f64;
        match f {
            None => {
                let _ = write!(
                    s,
                    r#"<text x="{x}" y="{}" text-anchor="middle" font-size="14">×</text>"#,
                    sy - 6.0
                );
            }
            Some(0) => {
                let _ = write!(
                    s,
                    r#"<circle cx="{x}" cy="{}" r="6" fill="none" stroke="black"/>"#,
                    sy - 11.0
                );
            }
            Some(fr) => {
                let y = sy + fh * (f64::from(fr - start) + 0.5);
                let _ = write!(s, r#"<circle cx="{x}" cy="{y}" r="8" fill="black"/>"#);
                if let Some(Some(fg)) = v.fingers.get(i) {
                    let _ = write!(
                        s,
                        r#"<text x="{x}" y="{}" text-anchor="middle" font-size="11" fill="white">{fg}</text>"#,
                        y + 4.0
                    );
                }
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
