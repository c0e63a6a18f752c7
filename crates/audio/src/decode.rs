//! Decoding any container/codec symphonia knows into mono f32 at the analysis rate.

use std::io::Cursor;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::AudioError;

/// Sample rate all analysis runs at.
pub const ANALYSIS_RATE: u32 = 22_050;

/// Decoded audio: mono samples at [`ANALYSIS_RATE`] plus what the file said.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Mono samples at the analysis rate.
    pub samples: Vec<f32>,
    /// The file's own sample rate.
    pub source_rate: u32,
    /// The file's channel count.
    pub channels: usize,
}

/// Decodes audio bytes (WAV, FLAC, MP3, OGG Vorbis, M4A/AAC), folds to mono and resamples.
/// `max_seconds` bounds the decoded length (hours-long input is refused, not processed).
pub fn decode(
    bytes: &[u8],
    extension: Option<&str>,
    max_seconds: f64,
) -> Result<Decoded, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty);
    }
    let mss = MediaSourceStream::new(Box::new(Cursor::new(bytes.to_vec())), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = extension {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| AudioError::NotAudio(e.to_string()))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NotAudio("no audio track".into()))?;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| AudioError::NotAudio("no audio codec parameters".into()))?
        .clone();
    let track_id = track.id;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::Unsupported(e.to_string()))?;
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(0);
    let mut mono: Vec<f32> = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut truncated = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // A file cut short ends the stream; what was decoded is kept and reported.
            Err(SymphoniaError::IoError(_)) => {
                truncated = true;
                break;
            }
            Err(e) => return Err(AudioError::Corrupt(e.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(b) => b,
            Err(SymphoniaError::DecodeError(_)) => continue,
            Err(e) => return Err(AudioError::Corrupt(e.to_string())),
        };
        rate = buf.spec().rate();
        channels = buf.spec().channels().count().max(1);
        interleaved.resize(buf.samples_interleaved(), 0.0);
        buf.copy_to_slice_interleaved(&mut interleaved);
        for frame in interleaved.chunks(channels) {
            mono.push(frame.iter().sum::<f32>() / channels as f32);
        }
        if rate > 0 && mono.len() as f64 / f64::from(rate) > max_seconds {
            return Err(AudioError::TooLong {
                seconds: mono.len() as f64 / f64::from(rate),
                limit: max_seconds,
            });
        }
    }
    if rate == 0 {
        return Err(AudioError::NotAudio("unknown sample rate".into()));
    }
    if mono.is_empty() {
        return Err(if truncated {
            AudioError::Corrupt("the file ends before any audio".into())
        } else {
            AudioError::Empty
        });
    }
    if mono.iter().any(|x| !x.is_finite()) {
        return Err(AudioError::Corrupt("non-finite samples".into()));
    }
    let samples = resample(&mono, rate, ANALYSIS_RATE)?;
    Ok(Decoded {
        samples,
        source_rate: rate,
        channels,
    })
}

/// Band-limited resampling (FFT-based, rubato).
pub fn resample(mono: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    if from == to {
        return Ok(mono.to_vec());
    }
    let mut r = Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Input)
        .map_err(|e| AudioError::Unsupported(format!("resampling {from} Hz: {e}")))?;
    let input = InterleavedSlice::new(mono, 1, mono.len())
        .map_err(|e| AudioError::Unsupported(e.to_string()))?;
    let out = r
        .process_all(&input, mono.len(), None)
        .map_err(|e| AudioError::Unsupported(format!("resampling {from} Hz: {e}")))?;
    let mut v = out.take_data();
    let expected = (mono.len() as f64 * f64::from(to) / f64::from(from)).round() as usize;
    v.truncate(expected);
    Ok(v)
}
