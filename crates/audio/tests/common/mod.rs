//! Synthesized plucked strings with exact ground truth, and a WAV writer.
#![allow(dead_code)]

pub mod broad;
pub mod chordset;
pub mod metrics;
pub mod recorded;
pub mod soundfont;
pub mod takes;

pub const SR: u32 = 44_100;

/// (onset s, duration s, frequency Hz)
pub type Score = Vec<(f64, f64, f64)>;

pub fn midi_hz(m: f64) -> f64 {
    440.0 * 2f64.powf((m - 69.0) / 12.0)
}

/// Whether a tuner reading is within 50 cents of `hz`.
pub fn reads(r: &fretwise_audio::Reading, hz: f64) -> bool {
    r.f0_hz > 0.0 && (1200.0 * (r.f0_hz / hz).log2()).abs() <= 50.0
}

/// Seconds from `onset` to the stream's first reading of `hz` (within 50 cents) up to `end`.
pub fn tuner_latency(
    events: &[fretwise_audio::StreamEvent],
    onset: f64,
    end: f64,
    hz: f64,
) -> Option<f64> {
    events.iter().find_map(|e| match e {
        fretwise_audio::StreamEvent::Pitch(r)
            if r.time_s >= onset && r.time_s <= end && reads(r, hz) =>
        {
            Some(r.time_s - onset)
        }
        _ => None,
    })
}

/// Additive plucked string: 12 harmonics, amplitude 1/k, higher ones decaying faster.
pub fn additive(score: &Score, total_s: f64) -> Vec<f32> {
    let n = (total_s * SR as f64) as usize;
    let mut out = vec![0.0f32; n];
    for &(on, dur, f) in score {
        let start = (on * SR as f64) as usize;
        let len = (dur * SR as f64) as usize;
        for i in 0..len.min(n.saturating_sub(start)) {
            let t = i as f64 / SR as f64;
            let mut v = 0.0;
            for k in 1..=12 {
                let fk = f * k as f64;
                if fk > 10_000.0 {
                    break;
                }
                v += (2.0 * std::f64::consts::PI * fk * t).sin() / k as f64
                    * (-t * (2.0 + 1.5 * k as f64)).exp();
            }
            // 5 ms release at the end avoids a click (a real string is damped too).
            let rel = ((len - i) as f64 / (0.005 * SR as f64)).min(1.0);
            let att = (i as f64 / (0.002 * SR as f64)).min(1.0);
            out[start + i] += (0.3 * v * rel * att) as f32;
        }
    }
    out
}

/// Karplus-Strong: a noise burst circulating in a delay line of N samples with a two-point
/// average; its pitch is SR / (N + 0.5). Returns the audio and the exact frequencies used.
pub fn karplus(notes: &[(f64, f64, f64)], total_s: f64, seed: u64) -> (Vec<f32>, Score) {
    let n = (total_s * SR as f64) as usize;
    let mut out = vec![0.0f32; n];
    let mut state = seed;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 2000) as f64 / 1000.0 - 1.0
    };
    let mut truth = Vec::new();
    for &(on, dur, f) in notes {
        let delay = (SR as f64 / f - 0.5).round() as usize;
        truth.push((on, dur, SR as f64 / (delay as f64 + 0.5)));
        let mut line: Vec<f64> = (0..delay).map(|_| rand()).collect();
        let start = (on * SR as f64) as usize;
        let len = (dur * SR as f64) as usize;
        let mut idx = 0;
        for i in 0..len.min(n - start) {
            let next = (idx + 1) % delay;
            let v = line[idx];
            line[idx] = 0.996 * 0.5 * (line[idx] + line[next]);
            idx = next;
            let rel = ((len - i) as f64 / (0.005 * SR as f64)).min(1.0);
            out[start + i] += (0.3 * v * rel) as f32;
        }
    }
    (out, truth)
}

pub fn wav(samples: &[f32], rate: u32) -> Vec<u8> {
    let data_len = (samples.len() * 2) as u32;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes()); // PCM
    b.extend_from_slice(&1u16.to_le_bytes()); // mono
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * 2).to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        b.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
    }
    b
}

/// Additive plucked strings following a pitch-bend curve: (onset s, duration s, MIDI key, curve
/// of semitones after the onset). Phase is accumulated so the bend glides without clicks.
/// (onset s, duration s, MIDI key, bend curve).
pub type BentNote = (f64, f64, f64, Vec<(f64, f64)>);

pub fn additive_bent(notes: &[BentNote], total_s: f64) -> Vec<f32> {
    let n = (total_s * SR as f64) as usize;
    let mut out = vec![0.0f32; n];
    for (on, dur, key, curve) in notes {
        let start = (on * SR as f64) as usize;
        let len = (dur * SR as f64) as usize;
        let mut phase = 0.0f64;
        for i in 0..len.min(n.saturating_sub(start)) {
            let t = i as f64 / SR as f64;
            let f = midi_hz(key + soundfont::interpolate(curve, t));
            phase += 2.0 * std::f64::consts::PI * f / SR as f64;
            let mut v = 0.0;
            for k in 1..=10 {
                if f * k as f64 > 10_000.0 {
                    break;
                }
                v += (phase * k as f64).sin() / k as f64 * (-t * (1.0 + 1.0 * k as f64)).exp();
            }
            let rel = ((len - i) as f64 / (0.005 * SR as f64)).min(1.0);
            let att = (i as f64 / (0.002 * SR as f64)).min(1.0);
            out[start + i] += (0.3 * v * rel * att) as f32;
        }
    }
    out
}
