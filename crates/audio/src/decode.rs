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
    /// Set when the file was cut short and the caller allowed a partial decode.
    pub truncated: Option<Truncation>,
}

/// How much of a truncated file could be decoded.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Truncation {
    /// Seconds decoded before the data ended.
    pub decoded_s: f64,
    /// Seconds the header declares, when it declares a length.
    pub declared_s: Option<f64>,
}

impl std::fmt::Display for Truncation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.declared_s {
            Some(d) => write!(
                f,
                "the file is truncated: decoded {:.1} s of the {:.1} s the header declares",
                self.decoded_s, d
            ),
            None => write!(
                f,
                "the file is truncated: its data ends mid-stream after {:.1} s",
                self.decoded_s
            ),
        }
    }
}

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeOptions {
    /// Longest audio accepted, in seconds.
    pub max_seconds: f64,
    /// Return what precedes the cut of a truncated file (marked) instead of an error.
    pub allow_partial: bool,
}

/// Decodes audio bytes (WAV, FLAC, MP3, OGG Vorbis, M4A/AAC), folds to mono and resamples.
/// `max_seconds` bounds the decoded length (hours-long input is refused, not processed); a
/// truncated file is an error.
pub fn decode(
    bytes: &[u8],
    extension: Option<&str>,
    max_seconds: f64,
) -> Result<Decoded, AudioError> {
    decode_with(
        bytes,
        extension,
        DecodeOptions {
            max_seconds,
            allow_partial: false,
        },
    )
}

/// [`decode`] with options: a truncated file is an error unless `allow_partial`.
pub fn decode_with(
    bytes: &[u8],
    extension: Option<&str>,
    options: DecodeOptions,
) -> Result<Decoded, AudioError> {
    // The format readers are third-party code fed outside bytes: a panic in one (an arithmetic
    // overflow on a forged WAV header's channel count, found by fuzzing) is a corrupt file,
    // not a crashed command or request.
    std::panic::catch_unwind(|| decode_unguarded(bytes, extension, options)).unwrap_or_else(|_| {
        Err(AudioError::Corrupt(
            "its headers are not valid (the decoder could not read them)".into(),
        ))
    })
}

fn decode_unguarded(
    bytes: &[u8],
    extension: Option<&str>,
    options: DecodeOptions,
) -> Result<Decoded, AudioError> {
    if bytes.is_empty() {
        return Err(AudioError::Empty);
    }
    let mut mono: Vec<f32> = Vec::new();
    // The bytes are read in place (symphonia borrows its source), and the samples' room is
    // reserved from the header: growing it by doubling copied the take several times over.
    let declared = std::cell::Cell::new(0usize);
    let info = decode_source(
        Box::new(Cursor::new(bytes)),
        extension,
        options,
        &mut |frames| declared.set(frames.min(RESERVE_AT_MOST)),
        &mut |chunk, _| {
            if mono.is_empty() {
                mono.reserve_exact(declared.get());
            }
            mono.extend_from_slice(chunk);
            Ok(())
        },
    )?;
    let samples = resample(&mono, info.source_rate, ANALYSIS_RATE)?;
    Ok(Decoded {
        samples,
        source_rate: info.source_rate,
        channels: info.channels,
        truncated: info.truncated,
    })
}

/// Samples reserved up front at most, whatever a header declares (a forged header must not make
/// a small file allocate gigabytes; longer audio grows the buffer as it decodes).
const RESERVE_AT_MOST: usize = 1 << 24;

/// Where [`decode_stream`] hands each packet's mono samples, with their sample rate.
pub type Sink<'a> = dyn FnMut(&[f32], u32) -> Result<(), AudioError> + 'a;

/// What a streamed decode found, besides the samples it handed on.
#[derive(Debug, Clone, Copy)]
pub struct StreamInfo {
    /// The file's own sample rate (the rate of the chunks handed on).
    pub source_rate: u32,
    /// The file's channel count.
    pub channels: usize,
    /// Mono samples handed on.
    pub samples: u64,
    /// Set when the file was cut short and the caller allowed a partial decode.
    pub truncated: Option<Truncation>,
}

/// Decodes any readable source packet by packet, handing each packet's mono samples (at the
/// file's own rate, with that rate) to `sink`; nothing but one packet is held, so an hour-long
/// lesson streams through in constant memory. Errors as [`decode_with`]; a format reader's
/// panic is a corrupt file.
pub fn decode_stream(
    source: Box<dyn symphonia::core::io::MediaSource>,
    extension: Option<&str>,
    options: DecodeOptions,
    sink: &mut Sink<'_>,
) -> Result<StreamInfo, AudioError> {
    let mut sink = std::panic::AssertUnwindSafe(sink);
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        decode_source(source, extension, options, &mut |_| {}, &mut **sink)
    }))
    .unwrap_or_else(|_| {
        Err(AudioError::Corrupt(
            "its headers are not valid (the decoder could not read them)".into(),
        ))
    })
}

/// Decodes `source`, telling `expect` the frames the header declares (when it does) before
/// handing the samples to `sink`.
fn decode_source(
    source: Box<dyn symphonia::core::io::MediaSource + '_>,
    extension: Option<&str>,
    options: DecodeOptions,
    expect: &mut dyn FnMut(usize),
    sink: &mut Sink<'_>,
) -> Result<StreamInfo, AudioError> {
    let max_seconds = options.max_seconds;
    let mss = MediaSourceStream::new(source, Default::default());
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
        .map_err(|e| match e {
            // The reader wanted bytes past the end: a file cut short (OGG reads its last page).
            SymphoniaError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                AudioError::Corrupt("the file ends early: it is truncated".into())
            }
            e => AudioError::NotAudio(e.to_string()),
        })?;
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
    let declared_frames = track.num_frames;
    let declared_s = declared_seconds(track, params.sample_rate);
    // The header's length refuses an hours-long file before any of it is decoded; the
    // decoded length is still checked below, for files whose header says nothing or lies.
    if let Some(d) = declared_s
        && d > max_seconds
    {
        return Err(AudioError::TooLong {
            seconds: d,
            limit: max_seconds,
        });
    }
    if let Some(r) = params.sample_rate {
        check_rate(r)?;
    }
    if let Some(frames) = declared_frames {
        expect(usize::try_from(frames).unwrap_or(usize::MAX));
    }
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| AudioError::Unsupported(e.to_string()))?;
    let mut rate = params.sample_rate.unwrap_or(0);
    let mut channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(0);
    let mut total: u64 = 0;
    let mut folded: Vec<f32> = Vec::new();
    let mut interleaved: Vec<f32> = Vec::new();
    let mut ended_early = false;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // Reading past the end of the bytes: the file was cut short (judged below).
            Err(SymphoniaError::IoError(_)) => {
                ended_early = true;
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
        // A packet may change the rate; the decoded rate is the one analysed, so it is checked.
        check_rate(rate)?;
        channels = buf.spec().channels().count().max(1);
        interleaved.resize(buf.samples_interleaved(), 0.0);
        buf.copy_to_slice_interleaved(&mut interleaved);
        // One channel is its own mono (the fold below would give the same values: x / 1).
        let mono: &[f32] = if channels == 1 {
            &interleaved
        } else {
            folded.clear();
            folded.extend(
                interleaved
                    .chunks(channels)
                    .map(|frame| frame.iter().sum::<f32>() / channels as f32),
            );
            &folded
        };
        if mono.iter().any(|x| !x.is_finite()) {
            return Err(AudioError::Corrupt("non-finite samples".into()));
        }
        total += mono.len() as u64;
        if total as f64 / f64::from(rate) > max_seconds {
            return Err(AudioError::TooLong {
                seconds: total as f64 / f64::from(rate),
                limit: max_seconds,
            });
        }
        sink(mono, rate)?;
    }
    if rate == 0 {
        return Err(AudioError::NotAudio("unknown sample rate".into()));
    }
    if total == 0 {
        return Err(if ended_early {
            AudioError::Corrupt("the file ends before any audio".into())
        } else {
            AudioError::Empty
        });
    }
    let truncated = truncation(total as f64 / f64::from(rate), declared_s, ended_early);
    if let Some(t) = truncated
        && !options.allow_partial
    {
        return Err(AudioError::Truncated(t));
    }
    Ok(StreamInfo {
        source_rate: rate,
        channels,
        samples: total,
        truncated,
    })
}

/// Lowest and highest sample rates read (telephone audio to 768 kHz studio files).
const RATES: std::ops::RangeInclusive<u32> = 4_000..=768_000;

/// A sample rate outside [`RATES`] is refused: a forged rate of gigahertz made resampling 1.6 KB
/// of WAV take over 20 s (found by fuzzing). [`resample`] is the guard; the header's rate is
/// also checked before decoding, to refuse such a file without reading it.
fn check_rate(rate: u32) -> Result<(), AudioError> {
    if RATES.contains(&rate) {
        Ok(())
    } else {
        Err(AudioError::Unsupported(format!(
            "a sample rate of {rate} Hz; fretwise reads {} to {} Hz",
            RATES.start(),
            RATES.end()
        )))
    }
}

/// The length the container declares, in seconds.
fn declared_seconds(track: &symphonia::core::formats::Track, rate: Option<u32>) -> Option<f64> {
    let from_frames = track
        .num_frames
        .zip(rate.filter(|r| *r > 0))
        .map(|(n, r)| n as f64 / f64::from(r));
    let from_duration = || {
        let tb = track.time_base?;
        Some(tb.calc_duration(track.duration?)?.as_secs_f64())
    };
    from_frames
        .or_else(from_duration)
        .filter(|s| s.is_finite() && *s > 0.0)
}

/// Whether decoding stopped short: clearly less than the header declares, or (with no declared
/// length) the data ended inside a packet.
fn truncation(decoded_s: f64, declared_s: Option<f64>, ended_early: bool) -> Option<Truncation> {
    let cut = match declared_s {
        // Encoder delay and padding shift a complete file's count by a few milliseconds;
        // 100 ms or 1 % more than that is missing audio.
        Some(d) => decoded_s < d - (0.1f64).max(0.01 * d),
        None => ended_early,
    };
    let ms = |s: f64| (s * 1000.0).round() / 1000.0;
    cut.then_some(Truncation {
        decoded_s: ms(decoded_s),
        declared_s: declared_s.map(ms),
    })
}

/// Resamplers kept for the whole process, all rate pairs together.
const KEPT_RESAMPLERS: usize = 16;

/// Idle resamplers by (source, target) rate: one is taken out for a clip and put back after,
/// so threads that come and go (a server's blocking pool) share their filter designs.
type Resamplers = std::collections::HashMap<(u32, u32), Vec<Fft<f32>>>;

static RESAMPLERS: std::sync::Mutex<Option<Resamplers>> = std::sync::Mutex::new(None);

/// The resampler pool, whole even if a panic came while it was held.
fn resamplers() -> std::sync::MutexGuard<'static, Option<Resamplers>> {
    RESAMPLERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Band-limited resampling (FFT-based, rubato).
pub fn resample(mono: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    if from == to {
        return Ok(mono.to_vec());
    }
    check_rate(from)?;
    check_rate(to)?;
    let input = InterleavedSlice::new(mono, 1, mono.len())
        .map_err(|e| AudioError::Unsupported(e.to_string()))?;
    // A resampler is designed once per pair of rates and concurrent use (its filter design was
    // a few per cent of a take's analysis); `process_all` resets it before every clip.
    let idle = resamplers()
        .as_mut()
        .and_then(|pool| pool.get_mut(&(from, to)))
        .and_then(Vec::pop);
    let mut r = match idle {
        Some(r) => r,
        None => Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Input)
            .map_err(|e| AudioError::Unsupported(format!("resampling {from} Hz: {e}")))?,
    };
    let out = r
        .process_all(&input, mono.len(), None)
        .map_err(|e| AudioError::Unsupported(format!("resampling {from} Hz: {e}")))?;
    let mut guard = resamplers();
    let pool = guard.get_or_insert_with(Default::default);
    if pool.values().map(Vec::len).sum::<usize>() < KEPT_RESAMPLERS {
        pool.entry((from, to)).or_default().push(r);
    }
    drop(guard);
    let mut v = out.take_data();
    let expected = (mono.len() as f64 * f64::from(to) / f64::from(from)).round() as usize;
    v.truncate(expected);
    Ok(v)
}
