//! Recording quality: flags from a lesson's measured audio (speech-to-noise ratio, level
//! consistency, clipping), beside the transcript's own.

use serde::{Deserialize, Serialize};

use crate::flags::{Flag, FlagCode, Severity, flag};

/// Speech-to-noise ratio below which a recording is flagged noisy, dB. Broadcast speech sits
/// at 25 dB and more; below 15 dB room noise is plainly heard under the voice and quiet
/// playing drowns in it.
pub const NOISY_BELOW_DB: f64 = 15.0;
/// Spread of the speech level above which a recording is flagged uneven, dB (a speaker who
/// turns away from the microphone drops 6 dB or more).
pub const UNEVEN_ABOVE_DB: f64 = 6.0;
/// Share of full-scale samples above which a recording is flagged clipped (0.1 %: a handful
/// of clipped peaks is inaudible, a thousandth of the samples is heard as distortion).
pub const CLIPPED_ABOVE: f64 = 0.001;

/// What was measured in a lesson's recording.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RecordingQuality {
    /// Speech power over the noise floor, dB.
    pub snr_db: f64,
    /// Standard deviation of the speech level between stretches, dB.
    pub level_spread_db: f64,
    /// Share of samples at full scale, 0–1.
    pub clipping_ratio: f64,
}

/// The recording's warning flags. They do not make a transcript untrainable (its words are
/// what it was transcribed as); the multimodal export filters on the SNR by `min_snr_db`.
pub fn recording_flags(q: &RecordingQuality) -> Vec<Flag> {
    let mut out = Vec::new();
    if q.snr_db.is_finite() && q.snr_db < NOISY_BELOW_DB {
        out.push(flag(
            FlagCode::NoisyRecording,
            Severity::Warning,
            format!(
                "speech is {:.1} dB above the noise floor (below {NOISY_BELOW_DB:.0} dB)",
                q.snr_db
            ),
        ));
    }
    if q.level_spread_db.is_finite() && q.level_spread_db > UNEVEN_ABOVE_DB {
        out.push(flag(
            FlagCode::UnevenLevel,
            Severity::Warning,
            format!(
                "the speech level varies by {:.1} dB (standard deviation; above {UNEVEN_ABOVE_DB:.0} dB)",
                q.level_spread_db
            ),
        ));
    }
    if q.clipping_ratio.is_finite() && q.clipping_ratio > CLIPPED_ABOVE {
        out.push(flag(
            FlagCode::ClippedRecording,
            Severity::Warning,
            format!(
                "{:.2} % of the samples are at full scale (above {:.1} %)",
                q.clipping_ratio * 100.0,
                CLIPPED_ABOVE * 100.0
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(q: RecordingQuality) -> Vec<&'static str> {
        recording_flags(&q)
            .iter()
            .map(|f| f.code.as_str())
            .collect()
    }

    #[test]
    fn each_measure_raises_its_own_flag_at_its_threshold() {
        let clean = RecordingQuality {
            snr_db: 32.0,
            level_spread_db: 1.5,
            clipping_ratio: 0.0,
        };
        assert!(codes(clean).is_empty());
        assert_eq!(
            codes(RecordingQuality {
                snr_db: 9.5,
                ..clean
            }),
            ["noisy_recording"]
        );
        assert!(
            codes(RecordingQuality {
                snr_db: 15.0,
                ..clean
            })
            .is_empty()
        );
        assert_eq!(
            codes(RecordingQuality {
                level_spread_db: 7.2,
                ..clean
            }),
            ["uneven_level"]
        );
        assert_eq!(
            codes(RecordingQuality {
                clipping_ratio: 0.004,
                ..clean
            }),
            ["clipped_recording"]
        );
        let all = recording_flags(&RecordingQuality {
            snr_db: 4.0,
            level_spread_db: 9.0,
            clipping_ratio: 0.02,
        });
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|f| f.severity == Severity::Warning));
        assert!(all[0].detail.contains("4.0 dB"), "{}", all[0].detail);
    }

    #[test]
    fn unmeasured_values_raise_nothing() {
        assert!(
            codes(RecordingQuality {
                snr_db: f64::NAN,
                level_spread_db: f64::NAN,
                clipping_ratio: f64::NAN,
            })
            .is_empty()
        );
    }
}
