// Practice: pick an exercise (suggestions, today's plan, or pasted tab), a metronome with a
// count-in, record from the microphone (AudioWorklet, or ScriptProcessor where there is none)
// into a WAV made here, or upload a file; analyze-playing scores it and the page shows the
// pitch against the expected notes, each note's status and timing, and feedback with the
// lessons that teach the fix. The tuner sends one-second windows to the same analysis.
import { api, el, fill, clock, momentLink, status, currentStudent, profileBar } from "./common.js";

const recordBtn = document.getElementById("record");
const stopBtn = document.getElementById("stop");
const upload = document.getElementById("upload");
const tempoIn = document.getElementById("tempo");
const countIn = document.getElementById("countin");
const beatOut = document.getElementById("beat");

/** The chosen exercise: {title, json?, tab?, instructions?, lessons?, fromItem}. */
let chosen = null;
let student = null;

// ---------- choosing an exercise ----------

function choose(ex) {
  chosen = ex;
  const tempo = ex.json ? ex.json.tempo_bpm : ex.tempo;
  if (tempo) tempoIn.value = Math.round(tempo);
  fill("exercise",
    el("h3", {}, `Now: ${ex.title}`),
    ex.instructions ? el("p", {}, ex.instructions) : null,
    ex.tab ? el("pre", { "aria-label": "Tab of the exercise" }, ex.tab) : null,
    ex.lessons && ex.lessons.length ? el("p", {}, "Learn it from: ", ex.lessons.slice(0, 2).map((m, i) => [i ? "; " : "", momentLink(m)])) : null);
  recordBtn.disabled = false;
  upload.disabled = false;
  status("rec-status", "Ready: press Record, play after the count-in, then press Stop.");
}

function suggestionItem(s) {
  return el("li", {},
    el("strong", {}, s.name), ` — ${s.why} `,
    el("button", { type: "button", class: "secondary", onclick: () => choose({
      title: s.exercise.title, json: s.exercise.exercise, tab: s.exercise.tab,
      instructions: s.exercise.instructions, lessons: s.lessons, fromItem: true,
    }) }, "Practise this"));
}

async function loadSuggestions() {
  const params = new URLSearchParams({ limit: "5" });
  const topic = new URLSearchParams(location.search).get("topic");
  if (topic) params.set("current_topic", topic);
  if (student) params.set("student_id", student.id); else params.set("skill_level", "beginner");
  const box = document.getElementById("suggestions");
  try {
    const r = await api(`/api/ai-instructor/practice-suggestions?${params}`);
    const parts = [el("h3", {}, "Suggested for you")];
    if (r.note) parts.push(el("p", { class: "hint" }, r.note));
    parts.push(el("ul", { "data-testid": "suggestions" }, (r.suggestions || []).map(suggestionItem)));
    if (student) {
      try {
        const v = await api(`/api/students/${encodeURIComponent(student.id)}`);
        const day = v.plan && v.plan.days && v.plan.days[0];
        if (day && day.items && day.items.length) {
          parts.push(el("h3", {}, `From your plan (${day.date})`), el("ul", {}, day.items.map((it) => el("li", {},
            el("strong", {}, it.name), ` — ${it.kind}, ${it.minutes} min `,
            el("button", { type: "button", class: "secondary", onclick: () => choose({
              title: it.exercise.title || it.name, json: it.exercise.exercise || it.exercise, tab: it.exercise.tab,
              instructions: it.exercise.instructions, lessons: it.lessons, fromItem: true,
            }) }, "Practise this")))));
        }
      } catch { /* no plan yet */ }
    }
    fill(box, parts);
  } catch (e) {
    fill(box, el("p", { class: "error", role: "alert" }, `Could not load suggestions: ${e.message}`));
  }
}

document.getElementById("tab-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const tab = document.getElementById("tab-text").value;
  const tempo = Number(document.getElementById("tab-tempo").value) || 80;
  if (!tab.trim()) { status("rec-status", "Paste a tab first.", true); return; }
  choose({ title: "your tab", tab, tempo, fromItem: false });
});

// ---------- audio: clicks, capture, WAV ----------

let ctx = null;
function audio() {
  if (!ctx) ctx = new (window.AudioContext || window.webkitAudioContext)();
  if (ctx.state === "suspended") ctx.resume();
  return ctx;
}

/** One click at time t (accented on the bar's first beat). */
function click(t, accent) {
  const a = audio();
  const o = a.createOscillator();
  const g = a.createGain();
  o.frequency.value = accent ? 1760 : 1320;
  g.gain.setValueAtTime(0.0001, t);
  g.gain.exponentialRampToValueAtTime(0.4, t + 0.002);
  g.gain.exponentialRampToValueAtTime(0.0001, t + 0.05);
  o.connect(g).connect(a.destination);
  o.start(t);
  o.stop(t + 0.06);
}

function beatSeconds() {
  const bpm = Math.min(300, Math.max(20, Number(tempoIn.value) || 80));
  return 60 / bpm;
}

/** Count-in: n clicks, showing the beat; resolves when the first beat of the take is due. */
function countInClicks(n) {
  const a = audio();
  const spb = beatSeconds();
  const t0 = a.currentTime + 0.1;
  for (let i = 0; i < n; i++) {
    click(t0 + i * spb, i === 0);
    setTimeout(() => { beatOut.textContent = String(i + 1); }, (0.1 + i * spb) * 1000);
  }
  return new Promise((res) => setTimeout(() => { beatOut.textContent = "▶"; res(); }, (0.1 + n * spb) * 1000));
}

let metro = null;
document.getElementById("metronome").addEventListener("click", (ev) => {
  const b = ev.currentTarget;
  if (metro) { clearInterval(metro); metro = null; b.setAttribute("aria-pressed", "false"); beatOut.textContent = ""; return; }
  b.setAttribute("aria-pressed", "true");
  let i = 0;
  const tick = () => { click(audio().currentTime + 0.02, i % 4 === 0); beatOut.textContent = String((i % 4) + 1); i++; };
  tick();
  metro = setInterval(tick, beatSeconds() * 1000);
});

let workletLoaded = false;

/** Opens the microphone and calls onChunk(Float32Array) per block; returns {rate, stop()}. */
async function capture(onChunk) {
  const a = audio();
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const src = a.createMediaStreamSource(stream);
  const sink = a.createGain();
  sink.gain.value = 0;
  sink.connect(a.destination);
  let node;
  if (a.audioWorklet && window.AudioWorkletNode) {
    if (!workletLoaded) {
      await a.audioWorklet.addModule("/ui/recorder-worklet.js");
      workletLoaded = true;
    }
    node = new AudioWorkletNode(a, "fretwise-recorder");
    node.port.onmessage = (e) => onChunk(e.data);
  } else {
    node = a.createScriptProcessor(4096, 1, 1);
    node.onaudioprocess = (e) => onChunk(new Float32Array(e.inputBuffer.getChannelData(0)));
  }
  src.connect(node);
  node.connect(sink);
  return {
    rate: a.sampleRate,
    stop() {
      try { src.disconnect(); node.disconnect(); sink.disconnect(); } catch { /* already apart */ }
      if (node.port) node.port.onmessage = null;
      stream.getTracks().forEach((t) => t.stop());
    },
  };
}

/** 16-bit mono PCM WAV of float samples. */
export function wav(samples, rate) {
  const n = samples.length;
  const buf = new ArrayBuffer(44 + n * 2);
  const v = new DataView(buf);
  const str = (o, s) => { for (let i = 0; i < s.length; i++) v.setUint8(o + i, s.charCodeAt(i)); };
  str(0, "RIFF"); v.setUint32(4, 36 + n * 2, true); str(8, "WAVE");
  str(12, "fmt "); v.setUint32(16, 16, true); v.setUint16(20, 1, true); v.setUint16(22, 1, true);
  v.setUint32(24, rate, true); v.setUint32(28, rate * 2, true); v.setUint16(32, 2, true); v.setUint16(34, 16, true);
  str(36, "data"); v.setUint32(40, n * 2, true);
  for (let i = 0; i < n; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]));
    v.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
  }
  return new Blob([buf], { type: "audio/wav" });
}

function join(chunks) {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Float32Array(n);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

// ---------- recording a take ----------

let rec = null;

/** Seconds the exercise lasts at the chosen tempo, when its notes are known. */
function exerciseSeconds() {
  if (!chosen || !chosen.json || !Array.isArray(chosen.json.notes)) return null;
  const beats = chosen.json.notes.reduce((m, n) => Math.max(m, (n.beat || 0) + (n.duration_beats || 1)), 0);
  return beats * beatSeconds();
}

recordBtn.addEventListener("click", async () => {
  if (!chosen || rec) return;
  recordBtn.disabled = true;
  upload.disabled = true;
  const chunks = [];
  let live = false;
  try {
    status("rec-status", "Opening the microphone…");
    const cap = await capture((c) => { if (live) chunks.push(c); });
    rec = { cap, chunks, timer: null };
    const n = Math.max(0, Math.min(8, Number(countIn.value) || 0));
    if (n > 0) { status("rec-status", `Count-in: ${n} beats…`); await countInClicks(n); }
    live = true;
    stopBtn.disabled = false;
    stopBtn.focus();
    status("rec-status", "Recording — play now; press Stop when you are done.");
    const secs = exerciseSeconds();
    rec.timer = setTimeout(() => stopBtn.click(), ((secs ? secs + 3 : 120) * 1000));
  } catch (e) {
    status("rec-status", `The microphone could not be opened: ${e.message}`, true);
    rec = null;
    recordBtn.disabled = false;
    upload.disabled = false;
  }
});

stopBtn.addEventListener("click", async () => {
  if (!rec) return;
  const { cap, chunks, timer } = rec;
  rec = null;
  clearTimeout(timer);
  cap.stop();
  stopBtn.disabled = true;
  beatOut.textContent = "";
  const samples = join(chunks);
  status("rec-status", `Recorded ${(samples.length / cap.rate).toFixed(1)} s; analysing…`);
  await analyse(wav(samples, cap.rate), "take.wav");
});

upload.addEventListener("change", async () => {
  const f = upload.files && upload.files[0];
  if (!f || !chosen) return;
  status("rec-status", `Analysing ${f.name}…`);
  await analyse(f, f.name);
  upload.value = "";
});

async function analyse(blob, name) {
  recordBtn.disabled = true;
  upload.disabled = true;
  const form = new FormData();
  form.append("audio", blob, name);
  if (chosen.json) {
    const ex = { ...chosen.json, tempo_bpm: Number(tempoIn.value) || chosen.json.tempo_bpm };
    form.append("exercise", JSON.stringify(ex));
  } else {
    form.append("tab", chosen.tab);
    form.append("tempo", String(Number(tempoIn.value) || chosen.tempo || 80));
  }
  if (student) form.append("strictness", student.level_name || "intermediate");
  if (student && chosen.fromItem) form.append("student_id", student.id);
  try {
    const a = await api("/api/ai-instructor/analyze-playing", { method: "POST", form });
    showResult(a);
    status("rec-status", "Done: see how it went below.");
  } catch (e) {
    status("rec-status", `The take could not be analysed: ${e.message}`, true);
  } finally {
    recordBtn.disabled = false;
    upload.disabled = false;
  }
}

// ---------- results ----------

const STATUS = { ok: ["ok", "on time"], early: ["warn", "early"], late: ["warn", "late"], wrong_pitch: ["bad", "wrong note"], missed: ["bad", "missed"] };

/** The expected note in words: its name as written or as heard (the analysis names notes), or
 * string and fret. */
function expectedLabel(i, p, a) {
  const n = chosen && chosen.json && chosen.json.notes ? chosen.json.notes[i] : null;
  if (n && n.note) return n.note;
  const heard = a.notes.find((x) => x.midi === p.expected_midi);
  const where = n && n.string && n.fret !== undefined && n.fret !== null ? ` (string ${n.string}, fret ${n.fret})` : "";
  if (heard) return `${heard.name}${where}`;
  return where ? where.slice(2, -1) : `MIDI ${p.expected_midi}`;
}

/** The plot: expected notes as bars (by status), the pitch track as dots, played notes as lines. */
function plot(a) {
  const per = a.score.per_note;
  const W = 800, H = 280, L = 48, R = 10, T = 10, B = 30;
  const ref = a.tuning_ref_hz || 440;
  const hop = a.pitch_track.hop_s || 0.01;
  const track = [];
  a.pitch_track.f0_hz.forEach((f, i) => { if (f > 0) track.push([i * hop, 69 + 12 * Math.log2(f / ref)]); });
  const mids = per.map((p) => p.expected_midi).concat(a.notes.map((n) => n.midi));
  const lo = Math.min(...mids) - 2, hi = Math.max(...mids) + 2;
  const t1 = Math.max(a.duration_s, ...per.map((p) => (p.expected_time_s || 0) + p.expected_duration_s)) || 1;
  const x = (t) => L + (t / t1) * (W - L - R);
  const y = (m) => T + (1 - (m - lo) / (hi - lo)) * (H - T - B);
  const colour = { ok: "#15803d", early: "#b45309", late: "#b45309", wrong_pitch: "#b91c1c", missed: "#6b7280" };
  const g = [];
  for (let m = Math.ceil(lo); m <= Math.floor(hi); m++) {
    g.push(el("line", { x1: L, x2: W - R, y1: y(m), y2: y(m), stroke: "#e5e7eb" }));
  }
  for (let s = 0; s <= t1; s += Math.max(1, Math.round(t1 / 8))) {
    g.push(el("text", { x: x(s), y: H - 8, "font-size": 12, "text-anchor": "middle", fill: "#374151" }, clock(s)));
  }
  g.push(el("text", { x: 4, y: 16, "font-size": 12, fill: "#374151" }, "pitch"));
  per.forEach((p, i) => {
    if (p.expected_time_s === null || p.expected_time_s === undefined) return;
    g.push(el("rect", { x: x(p.expected_time_s), y: y(p.expected_midi) - 5, width: Math.max(2, x(p.expected_time_s + p.expected_duration_s) - x(p.expected_time_s)), height: 10, fill: colour[p.status] || "#6b7280", "fill-opacity": 0.35, stroke: colour[p.status] || "#6b7280" },
      el("title", {}, `${expectedLabel(i, p, a)}: ${p.status}`)));
  });
  for (const n of a.notes) {
    g.push(el("line", { x1: x(n.onset_s), x2: x(n.offset_s), y1: y(n.midi + n.cents / 100), y2: y(n.midi + n.cents / 100), stroke: "#1e3a8a", "stroke-width": 2 },
      el("title", {}, `${n.name} at ${n.onset_s.toFixed(2)} s`)));
  }
  const step = Math.max(1, Math.floor(track.length / 1500));
  for (let i = 0; i < track.length; i += step) {
    const [t, m] = track[i];
    if (m < lo || m > hi) continue;
    g.push(el("circle", { cx: x(t), cy: y(m), r: 1.2, fill: "#1e40af" }));
  }
  return el("svg", { class: "plot", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Pitch against the expected notes: ${per.filter((p) => p.status === "ok").length} of ${per.length} notes on time and in tune` }, g);
}

function showResult(a) {
  const sec = document.getElementById("result");
  sec.hidden = false;
  if (!a.score) {
    fill("result-summary", el("p", {}, `Heard ${a.notes.length} notes; pick an exercise to be scored against it.`));
    fill("result-plot"); fill("result-notes"); fill("result-feedback");
    return;
  }
  const s = a.score.summary;
  const rec = a.recorded;
  fill("result-summary",
    el("p", { class: "score" }, el("strong", {}, `Score ${Math.round(s.score)} of 100`),
      ` — ${Math.round(s.pitch_accuracy * 100)} % of the notes at the right pitch, timing off by ${Math.round(s.timing_mae_ms)} ms on average, played at ${Math.round(s.played_tempo_bpm)} bpm.`),
    rec && rec.recorded ? el("p", {}, `Recorded in your progress: skill ${rec.skill_before.mean.toFixed(2)} → ${rec.skill_after.mean.toFixed(2)}; practise it again on ${new Date(rec.item.due_unix * 1000).toLocaleDateString()}${rec.item.target_tempo ? ` at ${Math.round(rec.item.target_tempo)} bpm` : ""}.`) : null);
  fill("result-plot", plot(a));
  fill("result-notes", el("table", {},
    el("caption", {}, "Each note"),
    el("thead", {}, el("tr", {}, ["#", "Expected", "Played", "Status", "Timing", "Tuning"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, a.score.per_note.map((p, i) => {
      const played = p.played_midi === null || p.played_midi === undefined ? "—"
        : ((a.notes.find((n) => n.midi === p.played_midi) || {}).name || `MIDI ${p.played_midi}`);
      const [cls, word] = STATUS[p.status] || ["", p.status];
      return el("tr", { "data-testid": "note-status", "data-status": p.status },
        el("td", {}, String(i + 1)), el("td", {}, expectedLabel(i, p, a)), el("td", {}, played),
        el("td", { class: cls }, word),
        el("td", {}, p.timing_error_ms === null || p.timing_error_ms === undefined ? "—" : `${p.timing_error_ms > 0 ? "+" : ""}${Math.round(p.timing_error_ms)} ms`),
        el("td", {}, p.cents === null || p.cents === undefined ? "—" : `${p.cents > 0 ? "+" : ""}${Math.round(p.cents)} cents`));
    }))));
  const fb = a.score.feedback || [];
  fill("result-feedback", fb.length ? [el("h3", {}, "What to work on"), el("ul", {}, fb.map((f) => el("li", {}, f.message,
    f.lessons && f.lessons.length ? [el("br"), "Learn it: ", f.lessons.slice(0, 2).map((m, i) => [i ? "; " : "", momentLink(m)])] : null)))] : el("p", {}, "No remarks: well played."));
  sec.scrollIntoView({ block: "start" });
}

// ---------- tuner ----------

let tuner = null;
document.getElementById("tuner").addEventListener("click", async (ev) => {
  const b = ev.currentTarget;
  const out = document.getElementById("tuner-out");
  if (tuner) {
    tuner.cap.stop(); clearInterval(tuner.timer); tuner = null;
    b.setAttribute("aria-pressed", "false"); b.textContent = "Start tuner"; out.textContent = "";
    return;
  }
  try {
    let ring = [];
    const cap = await capture((c) => { ring.push(c); });
    b.setAttribute("aria-pressed", "true"); b.textContent = "Stop tuner";
    out.textContent = "Listening…";
    let busy = false;
    const timer = setInterval(async () => {
      const s = join(ring);
      ring = [];
      if (busy || s.length < cap.rate * 0.4) return;
      busy = true;
      const form = new FormData();
      form.append("audio", wav(s.subarray(Math.max(0, s.length - cap.rate)), cap.rate), "tuner.wav");
      try {
        const a = await api("/api/ai-instructor/analyze-playing", { method: "POST", form });
        const n = a.notes[a.notes.length - 1];
        if (!n) out.textContent = "No clear note: play one string and let it ring.";
        else {
          const c = Math.round(n.cents);
          out.textContent = `${n.name} ${Math.abs(c) <= 5 ? "in tune" : c > 0 ? `${c} cents sharp` : `${-c} cents flat`}`;
        }
      } catch (e) {
        out.textContent = `The tuner stopped: ${e.message}`;
      } finally { busy = false; }
    }, 1000);
    tuner = { cap, timer };
  } catch (e) {
    out.textContent = `The microphone could not be opened: ${e.message}`;
  }
});

profileBar((s) => { student = s; loadSuggestions(); });
