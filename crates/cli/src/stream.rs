//! `fretwise stream`: live analysis of raw audio on standard input (a tuner, or practice-mode
//! notes), one JSON object per line as soon as it is known.
//!
//! `arecord -q -f FLOAT_LE -c 1 -r 44100 | fretwise stream --rate 44100`

use std::io::{BufWriter, Read, Write};

use anyhow::Context;
use clap::{Args, ValueEnum};

/// Sample encodings accepted on standard input.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SampleFormat {
    /// 32-bit float, little-endian.
    F32le,
    /// 16-bit signed integer, little-endian.
    S16le,
}

/// What to print.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StreamMode {
    /// Every reading (pitch, note, cents), 200 a second.
    Tuner,
    /// Only note starts and ends.
    Practice,
}

/// `fretwise stream` arguments.
#[derive(Debug, Args)]
pub struct StreamArgs {
    /// Sample rate of the input in Hz.
    #[arg(long, default_value_t = 44_100)]
    rate: u32,
    /// Encoding of the raw mono samples on standard input.
    #[arg(long, value_enum, default_value = "f32le")]
    format: SampleFormat,
    /// tuner: every reading; practice: note-on / note-off events.
    #[arg(long, value_enum, default_value = "tuner")]
    mode: StreamMode,
    /// Reference pitch for A4 in Hz (400–480).
    #[arg(long, default_value_t = 440.0)]
    a4: f64,
}

pub fn run(args: StreamArgs) -> anyhow::Result<()> {
    let mut streamer = fretwise_audio::Streamer::new(args.rate)
        .context("--rate")?
        .with_reference(args.a4);
    let width = match args.format {
        SampleFormat::F32le => 4,
        SampleFormat::S16le => 2,
    };
    let mut input = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    // 10 ms of audio per read keeps the answer prompt without a system call per sample.
    let mut bytes = vec![0u8; (args.rate as usize / 100).max(1) * width];
    let mut carry: Vec<u8> = Vec::new();
    let mut samples: Vec<f32> = Vec::new();
    loop {
        let n = input.read(&mut bytes).context("reading standard input")?;
        if n == 0 {
            break;
        }
        carry.extend_from_slice(&bytes[..n]);
        let whole = carry.len() / width * width;
        samples.clear();
        samples.extend(
            carry[..whole]
                .chunks_exact(width)
                .map(|b| match args.format {
                    SampleFormat::F32le => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                    SampleFormat::S16le => f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0,
                }),
        );
        carry.drain(..whole);
        for event in streamer.push(&samples) {
            let keep = match args.mode {
                StreamMode::Tuner => matches!(event, fretwise_audio::StreamEvent::Pitch(_)),
                StreamMode::Practice => !matches!(event, fretwise_audio::StreamEvent::Pitch(_)),
            };
            if keep {
                serde_json::to_writer(&mut out, &event)?;
                out.write_all(b"\n")?;
            }
        }
        // A pipe reader sees each answer right away.
        if let Err(e) = out.flush() {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e.into());
        }
    }
    if !carry.is_empty() {
        eprintln!(
            "warning: {} trailing byte(s) did not make a whole sample and were ignored",
            carry.len()
        );
    }
    Ok(())
}
