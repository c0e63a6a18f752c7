//! An SVG picture of an analysis: the loudness envelope, the pitch track on a note-name axis, the
//! detected notes, and — with an exercise — the expected notes coloured by their status.

use std::fmt::Write;

use crate::Analysis;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders the analysis as a standalone SVG document.
pub fn svg(a: &Analysis) -> String {
    let (w, h) = (1200.0f64, 520.0f64);
    let (left, right, top) = (60.0, 20.0, 20.0);
    let env_h = 80.0;
    let pitch_top = top + env_h + 20.0;
    let pitch_h = h - pitch_top - 40.0;
    let dur = a.duration_s.max(0.1);
    let x = |t: f64| left + (w - left - right) * (t / dur).clamp(0.0, 1.0);
    // MIDI range shown: the notes' range with a margin (at least an octave).
    let midis: Vec<f64> = a
        .notes
        .iter()
        .map(|n| f64::from(n.midi))
        .chain(
            a.score
                .iter()
                .flat_map(|s| s.per_note.iter().map(|r| f64::from(r.expected_midi))),
        )
        .collect();
    let (mut lo, mut hi) = midis
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), m| {
            (l.min(*m), h.max(*m))
        });
    if !lo.is_finite() {
        (lo, hi) = (40.0, 64.0);
    }
    lo -= 2.0;
    hi += 2.0;
    if hi - lo < 12.0 {
        hi = lo + 12.0;
    }
    let y = |m: f64| pitch_top + pitch_h * (1.0 - ((m - lo) / (hi - lo)).clamp(0.0, 1.0));
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\"><rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
    );
    // Note-name grid; a name is written only where it has room (E and F sit a semitone apart).
    let mut last_label = f64::INFINITY;
    for m in (lo.ceil() as i32)..=(hi.floor() as i32) {
        let name = fretwise_theory::Note::from_midi(m, true).to_string();
        let natural = !name.contains('#');
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{x2}\" y2=\"{yy:.1}\" stroke=\"{}\" stroke-width=\"0.5\"/>",
            if natural { "#e2e8f0" } else { "#f1f5f9" },
            yy = y(f64::from(m)),
            x2 = w - right
        );
        if natural && last_label - y(f64::from(m)) >= 11.0 {
            last_label = y(f64::from(m));
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#64748b\">{name}</text>",
                left - 6.0,
                y(f64::from(m)) + 4.0
            );
        }
    }
    // Time axis.
    let step = if dur > 60.0 {
        10.0
    } else if dur > 20.0 {
        5.0
    } else {
        1.0
    };
    let mut t = 0.0;
    while t <= dur {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#64748b\">{t:.0} s</text>",
            x(t),
            h - 16.0
        );
        t += step;
    }
    // Loudness envelope from the pitch track's hop (confidence-independent): draw |f0|>0 frames.
    let n = a.pitch_track.f0_hz.len().max(1);
    let hop = a.pitch_track.hop_s;
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{}\" fill=\"#334155\">voicing confidence</text>",
        top + 8.0
    );
    let mut path = String::new();
    for (i, c) in a.pitch_track.confidence.iter().enumerate() {
        let _ = write!(
            path,
            "{}{:.1},{:.1}",
            if i == 0 { "M" } else { " L" },
            x(i as f64 * hop),
            top + env_h - env_h * c.clamp(0.0, 1.0)
        );
    }
    if n > 1 {
        let _ = write!(
            s,
            "<path d=\"{path}\" fill=\"none\" stroke=\"#94a3b8\" stroke-width=\"1\"/>"
        );
    }
    // Onsets.
    for o in &a.onsets_s {
        let _ = write!(
            s,
            "<line x1=\"{xx:.1}\" y1=\"{pitch_top}\" x2=\"{xx:.1}\" y2=\"{}\" stroke=\"#cbd5e1\" stroke-dasharray=\"2 3\"/>",
            pitch_top + pitch_h,
            xx = x(*o)
        );
    }
    // Expected notes, coloured by status.
    if let Some(score) = &a.score {
        for r in &score.per_note {
            let colour = match r.status.as_str() {
                "ok" => "#bbf7d0",
                "late" | "early" => "#fde68a",
                "wrong_pitch" => "#fecaca",
                _ => "#e5e7eb",
            };
            if let Some(t) = r.expected_time_s {
                let _ = write!(
                    s,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" stroke=\"#475569\" stroke-width=\"0.5\"><title>note {}: {}{}</title></rect>",
                    x(t),
                    y(f64::from(r.expected_midi)) - 5.0,
                    (x(t + r.expected_duration_s) - x(t)).max(2.0),
                    10.0,
                    r.index + 1,
                    esc(&r.status),
                    r.timing_error_ms
                        .map(|e| format!(" ({e:+.0} ms)"))
                        .unwrap_or_default()
                );
            }
        }
    }
    // Pitch track as MIDI.
    let mut d = String::new();
    let mut pen = false;
    for (i, f) in a.pitch_track.f0_hz.iter().enumerate() {
        if *f > 0.0 {
            let m = fretwise_theory::midi_of_hz(*f, a.tuning_ref_hz.max(1.0));
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if pen { " L" } else { " M" },
                x(i as f64 * hop),
                y(m)
            );
            pen = true;
        } else {
            pen = false;
        }
    }
    let _ = write!(
        s,
        "<path d=\"{d}\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.5\"/>"
    );
    // Detected notes' names.
    for note in &a.notes {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#1e3a8a\">{}</text>",
            x(note.onset_s),
            y(f64::from(note.midi)) - 8.0,
            esc(&note.name)
        );
    }
    // Legend.
    let legend = if a.score.is_some() {
        "blue: pitch played · boxes: expected notes (green ok, amber late/early, red wrong, grey missed) · dashed: onsets"
    } else {
        "blue: pitch played · dashed: onsets"
    };
    let _ = write!(
        s,
        "<text x=\"{left}\" y=\"{}\" fill=\"#334155\">{legend}</text>",
        h - 2.0
    );
    s.push_str("</svg>\n");
    s
}

/// The font the PNG is drawn with, shipped inside the binary (DejaVu Sans, Bitstream Vera
/// licence in `data/DejaVuSans-LICENSE.txt`): no system fonts are needed or looked up.
const FONT: &[u8] = include_bytes!("../data/DejaVuSans.ttf");

/// Renders the analysis as a PNG image (the SVG picture, rasterised at 1× scale).
pub fn png(a: &Analysis) -> Result<Vec<u8>, String> {
    let mut db = resvg::usvg::fontdb::Database::new();
    db.load_font_data(FONT.to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let options = resvg::usvg::Options {
        fontdb: std::sync::Arc::new(db),
        font_family: "DejaVu Sans".to_string(),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(&svg(a), &options).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "empty picture".to_string())?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}
