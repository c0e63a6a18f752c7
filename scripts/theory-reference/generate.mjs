// Generates the theory conformance tables from the `tonal` npm package (MIT), the reference
// library the issue names. Run from this folder:
//   npm install --no-save tonal@6.4.3 && node generate.mjs > ../../crates/theory/tests/data/tonal_reference.json
// The output is committed so tests run offline; regenerate it when tonal is upgraded.
import { Chord, ChordType, Scale, ScaleType, Interval, Note, Key } from "tonal";

const roots = ["C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B"];
const chordTypes = ChordType.all().map(c => ({
  name: c.name, aliases: c.aliases, intervals: c.intervals,
}));
const scaleTypes = ScaleType.all().map(s => ({ name: s.name, aliases: s.aliases, intervals: s.intervals }));

const chords = [];
for (const t of chordTypes) {
  const symbol = t.aliases[0];
  for (const r of roots) {
    const c = Chord.get(r + symbol);
    if (!c.empty) chords.push({ symbol: r + symbol, notes: c.notes });
  }
}
const scales = [];
for (const t of scaleTypes) {
  for (const r of roots) {
    const s = Scale.get(r + " " + t.name);
    if (!s.empty) scales.push({ tonic: r, name: t.name, notes: s.notes });
  }
}
const naturals = ["C", "D", "E", "F", "G", "A", "B"];
const accs = ["", "#", "b"];
const pcs = naturals.flatMap(n => accs.map(a => n + a));
const intervals = [];
for (const a of pcs) for (const b of pcs) {
  intervals.push({ from: a, to: b, interval: Interval.distance(a, b) });
}
for (const a of ["C4", "E4", "F#3", "Bb2", "G5", "D#4", "Ab3"]) for (const b of ["C4", "G4", "E5", "B3", "Db6", "F#2", "A#4"]) {
  intervals.push({ from: a, to: b, interval: Interval.distance(a, b) });
}
const transposes = [];
const ivs = ["1P", "2m", "2M", "2A", "3d", "3m", "3M", "4P", "4A", "5d", "5P", "5A", "6m", "6M", "7d", "7m", "7M", "8P", "8d", "9m", "9M", "10m", "11P", "13M", "-2M", "-3m", "-5P", "-8P"];
for (const n of ["C4", "F#3", "Bb2", "E5", "Db4", "G#3", "Cb4", "B#3", "D"]) for (const i of ivs) {
  transposes.push({ note: n, interval: i, result: Note.transpose(n, i) });
}
const keys = [];
for (const t of ["C", "G", "D", "A", "E", "B", "F#", "C#", "F", "Bb", "Eb", "Ab", "Db", "Gb", "Cb"]) {
  const k = Key.majorKey(t);
  keys.push({ key: `${t} major`, triads: k.triads, sevenths: k.chords });
}
for (const t of ["A", "E", "B", "F#", "C#", "G#", "D#", "A#", "D", "G", "C", "F", "Bb", "Eb", "Ab"]) {
  const k = Key.minorKey(t);
  keys.push({ key: `${t} minor`, triads: k.natural.triads, sevenths: k.natural.chords });
  keys.push({ key: `${t} harmonic minor`, triads: k.harmonic.triads, sevenths: k.harmonic.chords });
  keys.push({ key: `${t} melodic minor`, triads: k.melodic.triads, sevenths: k.melodic.chords });
}
const detect = [];
for (const sym of ["C", "Cm", "C7", "Cmaj7", "Cm7", "Cm7b5", "Cdim7", "Caug", "Csus4", "Csus2", "C6", "Cm6", "C9", "F#m7", "Bb7", "Ebmaj7", "Abm", "E7", "Gsus4", "D"]) {
  const c = Chord.get(sym);
  const n = c.notes;
  for (let inv = 0; inv < Math.min(n.length, 3); inv++) {
    const notes = n.slice(inv).concat(n.slice(0, inv));
    detect.push({ notes, chords: Chord.detect(notes) });
  }
}
console.log(JSON.stringify({ tonal: "6.4.3", chordTypes, scaleTypes, chords, scales, intervals, transposes, keys, detect }));
