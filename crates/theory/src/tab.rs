//! ASCII guitar tablature: parse (with h p b r / \ ~ x and bar-line timing) and render.

use serde::Serialize;

use crate::TheoryError;
use crate::guitar::Tuning;
use crate::note::Note;

/// How a tab note is played.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Technique {
    /// Picked (no marking).
    Picked,
    /// Hammered on from the previous note (`5h7`: the 7).
    HammerOn,
    /// Pulled off from the previous note (`7p5`: the 5).
    PullOff,
    /// Slid up into (`5/7`: the 7).
    SlideUp,
    /// Slid down into (`7\5`: the 5).
    SlideDown,
    /// Bent up to `target_fret`'s pitch (`7b9`).
    Bend,
    /// Bent and released (`7b9r7`).
    BendRelease,
    /// Muted, no pitch (`x`).
    Dead,
}

/// One note of a tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TabEvent {
    /// String, 1 = the top line (highest string).
    pub string: usize,
    /// Fret (None for a dead note).
    pub fret: Option<u32>,
    /// Column in the tab text (all systems joined).
    pub column: usize,
    /// Technique.
    pub technique: Technique,
    /// Bend target fret.
    pub target_fret: Option<u32>,
    /// Vibrato marked (`~`).
    pub vibrato: bool,
    /// Position in beats from the start, when bar lines give the timing.
    pub beat: Option<f64>,
}

/// A parsed tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tab {
    /// String labels as written, top line first ("e", "B", "G", "D", "A", "E").
    pub labels: Vec<String>,
    /// Notes in column order.
    pub events: Vec<TabEvent>,
    /// Total columns.
    pub columns: usize,
}

fn tab_line(line: &str) -> Option<(String, &str)> {
    let t = line.trim_start();
    let mut chars = t.char_indices();
    let (_, c) = chars.next()?;
    if !matches!(c.to_ascii_uppercase(), 'A'..='G') {
        return None;
    }
    let mut label_end = c.len_utf8();
    for (i, ch) in chars {
        match ch {
            '#' | 'b' => label_end = i + 1,
            '|' | ':' => {
                let content = &t[i + 1..];
                if content.contains('-') {
                    return Some((t[..label_end].to_string(), content));
                }
                return None;
            }
            ' ' => continue,
            _ => return None,
        }
    }
    None
}

impl Tab {
    /// Parses every tab system (4–8 consecutive `label|---` lines) in `text`.
    ///
    /// ```
    /// let tab = fretwise_theory::Tab::parse("e|-----|\nB|-1---|\nG|---2-|\nD|-----|\nA|3----|\nE|-----|").unwrap();
    /// assert_eq!(tab.events.len(), 3);
    /// assert_eq!(tab.events[0].string, 5);
    /// ```
    pub fn parse(text: &str) -> Result<Tab, TheoryError> {
        let lines: Vec<&str> = text.lines().collect();
        let mut systems: Vec<Vec<(String, &str)>> = Vec::new();
        let mut current: Vec<(String, &str)> = Vec::new();
        for l in &lines {
            match tab_line(l) {
                Some(x) => current.push(x),
                None => {
                    if !current.is_empty() {
                        systems.push(std::mem::take(&mut current));
                    }
                }
            }
        }
        if !current.is_empty() {
            systems.push(current);
        }
        systems.retain(|s| (4..=8).contains(&s.len()));
        let Some(first) = systems.first() else {
            return Err(TheoryError::Invalid(
                "no tablature found: expected 4–8 consecutive lines like `e|--0--|`".into(),
            ));
        };
        let labels: Vec<String> = first.iter().map(|(l, _)| l.clone()).collect();
        let mut events = Vec::new();
        let mut offset = 0;
        let mut beat_base = 0.0;
        for system in &systems {
            if system.len() != labels.len() {
                return Err(TheoryError::Invalid(format!(
                    "tab systems have different string counts ({} and {})",
                    labels.len(),
                    system.len()
                )));
            }
            let width = system
                .iter()
                .map(|(_, c)| c.chars().count())
                .max()
                .unwrap_or(0);
            // Bar lines: columns where every line has '|'.
            let grids: Vec<Vec<char>> = system.iter().map(|(_, c)| c.chars().collect()).collect();
            let bars: Vec<usize> = (0..width)
                .filter(|&col| grids.iter().all(|g| g.get(col) == Some(&'|')))
                .collect();
            let mut bounds = vec![0usize];
            bounds.extend(bars.iter().map(|b| b + 1));
            let bar_count = bounds.len();
            let timing = |col: usize| -> Option<f64> {
                if bars.is_empty() {
                    return None;
                }
                let idx = bounds.iter().rposition(|&b| b <= col)?;
                let start = bounds[idx];
                let end = bars.get(idx).copied().unwrap_or(width);
                if end <= start {
                    return None;
                }
                Some(idx as f64 * 4.0 + 4.0 * (col - start) as f64 / (end - start) as f64)
            };
            for (si, g) in grids.iter().enumerate() {
                let mut col = 0;
                let mut pending: Option<Technique> = None;
                while col < g.len() {
                    let c = g[col];
                    if c.is_ascii_digit() {
                        let start = col;
                        let mut fret = 0u32;
                        while col < g.len() && g[col].is_ascii_digit() && col - start < 2 {
                            fret = fret * 10 + g[col].to_digit(10).unwrap_or(0);
                            col += 1;
                        }
                        let mut ev = TabEvent {
                            string: si + 1,
                            fret: Some(fret),
                            column: offset + start,
                            technique: pending.take().unwrap_or(Technique::Picked),
                            target_fret: None,
                            vibrato: false,
                            beat: timing(start).map(|b| b + beat_base),
                        };
                        // Bend: "7b9", optionally released "7b9r7"; the target is not a new note.
                        if col < g.len() && g[col] == 'b' {
                            let mut t = 0u32;
                            let mut j = col + 1;
                            while j < g.len() && g[j].is_ascii_digit() && j - col <= 2 {
                                t = t * 10 + g[j].to_digit(10).unwrap_or(0);
                                j += 1;
                            }
                            if j > col + 1 {
                                ev.technique = Technique::Bend;
                                ev.target_fret = Some(t);
                                col = j;
                                if col < g.len() && g[col] == 'r' {
                                    ev.technique = Technique::BendRelease;
                                    col += 1;
                                    while col < g.len() && g[col].is_ascii_digit() {
                                        col += 1;
                                    }
                                }
                            }
                        }
                        while col < g.len() && g[col] == '~' {
                            ev.vibrato = true;
                            col += 1;
                        }
                        events.push(ev);
                        continue;
                    }
                    match c {
                        'h' | 'H' => pending = Some(Technique::HammerOn),
                        'p' | 'P' => pending = Some(Technique::PullOff),
                        '/' => pending = Some(Technique::SlideUp),
                        '\\' => pending = Some(Technique::SlideDown),
                        'x' | 'X' => events.push(TabEvent {
                            string: si + 1,
                            fret: None,
                            column: offset + col,
                            technique: Technique::Dead,
                            target_fret: None,
                            vibrato: false,
                            beat: timing(col).map(|b| b + beat_base),
                        }),
                        '~' => {
                            if let Some(last) = events.iter_mut().rev().find(|e| e.string == si + 1)
                            {
                                last.vibrato = true;
                            }
                        }
                        _ => pending = None,
                    }
                    col += 1;
                }
            }
            offset += width;
            beat_base += if bars.is_empty() {
                0.0
            } else {
                4.0 * bar_count as f64
            };
        }
        events.sort_by_key(|e| (e.column, e.string));
        Ok(Tab {
            labels,
            events,
            columns: offset,
        })
    }

    /// The sounding note of each event in `tuning` (dead notes give None).
    pub fn notes(&self, tuning: &Tuning) -> Vec<Option<Note>> {
        self.events
            .iter()
            .map(|e| e.fret.and_then(|f| tuning.note_at(e.string, f, true).ok()))
            .collect()
    }

    /// Renders the tab as ASCII, one system, columns as parsed.
    pub fn render(&self) -> String {
        let n = self.labels.len();
        let mut grid: Vec<Vec<char>> = vec![vec!['-'; self.columns + 1]; n];
        for e in &self.events {
            let Some(row) = grid.get_mut(e.string - 1) else {
                continue;
            };
            let mut text = match e.technique {
                Technique::HammerOn => "h".to_string(),
                Technique::PullOff => "p".to_string(),
                Technique::SlideUp => "/".to_string(),
                Technique::SlideDown => "\\".to_string(),
                _ => String::new(),
            };
            // The marker goes before the note, so it is written one column to the left.
            let start = e.column.saturating_sub(text.len());
            match e.fret {
                Some(f) => text.push_str(&f.to_string()),
                None => text.push('x'),
            }
            if let Some(t) = e.target_fret {
                text.push('b');
                text.push_str(&t.to_string());
                if e.technique == Technique::BendRelease {
                    text.push('r');
                    text.push_str(&e.fret.unwrap_or(0).to_string());
                }
            }
            if e.vibrato {
                text.push('~');
            }
            for (k, ch) in text.chars().enumerate() {
                if let Some(cell) = row.get_mut(start + k) {
                    *cell = ch;
                }
            }
        }
        let width = self
            .labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1);
        let mut out = String::new();
        for (label, row) in self.labels.iter().zip(grid) {
            out.push_str(&format!("{label:<width$}|"));
            out.extend(row);
            out.push_str("|\n");
        }
        out
    }
}
