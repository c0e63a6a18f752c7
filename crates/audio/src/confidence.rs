//! How sure the analysis is of a note or a technique, so that a report can mark guesses as such.

use crate::{Analysis, Note, PitchTrackJson, Technique};

/// Below this mean voicing confidence a note or technique is a guess, not a finding: a clean
/// plucked note reads above 0.9, a single pitch read inside a strummed chord near 0.
pub const LOW_CONFIDENCE: f64 = 0.5;

/// Mean voicing confidence of the pitch track over `[start_s, end_s]`, unvoiced frames counting
/// 0; 0 when the span holds no frame.
pub fn span_confidence(track: &PitchTrackJson, start_s: f64, end_s: f64) -> f64 {
    // Written so that NaN spans and hops fall through to 0 as well.
    let valid = track.hop_s > 0.0 && end_s >= start_s;
    if !valid {
        return 0.0;
    }
    let first = (start_s / track.hop_s).floor().max(0.0) as usize;
    let last = ((end_s / track.hop_s).ceil().max(0.0) as usize).min(track.confidence.len());
    let frames = track.confidence.get(first..last).unwrap_or(&[]);
    if frames.is_empty() {
        return 0.0;
    }
    frames.iter().sum::<f64>() / frames.len() as f64
}

impl Note {
    /// True when the pitch tracker was unsure of this note (confidence under [`LOW_CONFIDENCE`]).
    pub fn is_uncertain(&self) -> bool {
        self.confidence < LOW_CONFIDENCE
    }
}

impl Analysis {
    /// The pitch track's confidence over a technique's span; `None` for a muted note, which
    /// has no pitch by nature.
    pub fn technique_confidence(&self, t: &Technique) -> Option<f64> {
        if matches!(t, Technique::Muted { .. }) {
            return None;
        }
        let (start, end) = t.span();
        Some(span_confidence(&self.pitch_track, start, end))
    }

    /// True when a technique rests on a pitch the tracker was unsure of.
    pub fn technique_is_uncertain(&self, t: &Technique) -> bool {
        self.technique_confidence(t)
            .is_some_and(|c| c < LOW_CONFIDENCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(confidence: Vec<f64>) -> PitchTrackJson {
        PitchTrackJson {
            hop_s: 0.1,
            f0_hz: vec![110.0; confidence.len()],
            confidence,
        }
    }

    #[test]
    fn a_span_is_as_sure_as_its_frames() {
        let t = track(vec![0.9, 0.9, 0.9, 0.1, 0.1, 0.1]);
        assert!((span_confidence(&t, 0.0, 0.3) - 0.9).abs() < 1e-9);
        assert!(span_confidence(&t, 0.3, 0.6) < LOW_CONFIDENCE);
        assert_eq!(span_confidence(&t, 5.0, 6.0), 0.0);
        assert_eq!(span_confidence(&t, 0.4, 0.2), 0.0);
        assert_eq!(span_confidence(&track(vec![]), 0.0, 1.0), 0.0);
    }
}
