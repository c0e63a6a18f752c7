// Ask: sends the question to /api/ai-instructor/ask as server-sent events (the text arrives
// sentence by sentence, as a model writes it when one is configured), then shows the whole
// answer: facts with chord diagrams, citations that open the lesson at its moment, related
// concepts and the next step.
import { api, el, fill, clock, momentHref, videoHref, status } from "./common.js";

const form = document.getElementById("ask-form");
const input = document.getElementById("question");
const section = document.getElementById("answer");
const text = document.getElementById("answer-text");

/** Reads an SSE response body, calling onEvent(name, data) per event. */
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let cut;
    while ((cut = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      onEvent(name, data.join("\n"));
    }
  }
}

/** The answer text with each [n] turned into a link to citation n. */
function contentWithMarks(content, citations) {
  const parts = [];
  const re = /\[(\d+)\]/g;
  let last = 0;
  let m;
  while ((m = re.exec(content)) !== null) {
    const n = Number(m[1]);
    parts.push(content.slice(last, m.index));
    if (n >= 1 && n <= citations.length) {
      parts.push(el("a", { href: `#cite-${n}`, "aria-label": `source ${n}` }, `[${n}]`));
    } else {
      parts.push(m[0]);
    }
    last = m.index + m[0].length;
  }
  parts.push(content.slice(last));
  return parts;
}

/** A chord diagram for a chord or voicing fact, when the theory engine has a playable voicing. */
async function diagram(symbol) {
  try {
    const v = await api(`/api/theory/voicings?symbol=${encodeURIComponent(symbol)}&limit=1`);
    if (!v || !v.voicings || v.voicings.length === 0) return null;
    return el("img", {
      src: `/api/theory/voicings?symbol=${encodeURIComponent(symbol)}&format=svg`,
      alt: `Chord diagram of ${symbol}: ${v.voicings[0].shape || ""}`.trim(),
      width: 144,
    });
  } catch {
    return null;
  }
}

const KIND = {
  chord: "Chord", voicing: "Voicing", scale: "Scale", interval: "Interval", transpose: "Transposed",
  key_chords: "Chords in the key", key_signature: "Key signature", relative_key: "Relative key",
  degree: "Degree", analysis: "Roman numerals", capo: "Capo", fret_note: "Note at the fret",
  tuning: "Tuning", identify: "Identified",
};

async function showFacts(facts) {
  const box = document.getElementById("answer-facts");
  if (!facts || facts.length === 0) { fill(box); return; }
  const items = facts.map((f) => {
    const li = el("li", { class: "fact", "data-testid": "fact" },
      el("strong", {}, `${KIND[f.kind] || f.kind} ${f.query}: `), el("span", { class: "fact-value" }, f.value));
    if (f.kind === "chord" || f.kind === "voicing") {
      diagram(f.query).then((img) => { if (img) li.append(img); });
    }
    return li;
  });
  fill(box, el("h3", {}, "Facts from the theory engine"), el("ul", { class: "facts", role: "list" }, items));
}

function showCitations(citations) {
  const box = document.getElementById("answer-citations");
  if (!citations || citations.length === 0) {
    fill(box, el("p", { class: "hint" }, "No lesson passage backs this answer; it comes from the theory engine alone."));
    return;
  }
  // The platform's video at the moment when the catalog knows it, else the transcript there.
  fill(box, el("h3", {}, "From the lessons"), el("ol", { class: "citations" }, citations.map((c, i) => {
    const video = videoHref(c);
    return el("li", { id: `cite-${i + 1}` },
      el("a", { href: video || momentHref(c), "data-testid": "citation", "data-kind": video ? "video" : "transcript" },
        `${c.title || c.lesson_id}`, c.instructor ? ` — ${c.instructor}` : "", `, at ${clock(c.start_s)}`),
      video ? [" (", el("a", { href: momentHref(c), "data-testid": "citation-transcript" }, "transcript"), ")"] : null,
      c.quote ? el("blockquote", {}, c.quote) : null);
  })));
}

let allConcepts = null;

/** Every concept of the ontology by id (fetched once). */
async function conceptsById() {
  if (!allConcepts) {
    const r = await api("/api/concepts");
    allConcepts = new Map((r.concepts || []).map((c) => [c.id, c]));
  }
  return allConcepts;
}

async function showRelated(concepts) {
  const box = document.getElementById("answer-related");
  if (!concepts || concepts.length === 0) { fill(box); return; }
  let byId;
  let path = [];
  try {
    byId = await conceptsById();
    const c = await api(`/api/concepts/${encodeURIComponent(concepts[0])}`);
    path = Array.isArray(c.learning_path) ? c.learning_path : [];
  } catch { fill(box); return; }
  const names = concepts.map((id) => byId.get(id)).filter(Boolean).slice(0, 6);
  if (names.length === 0) { fill(box); return; }
  const first = names[0];
  const before = path.filter((id) => id !== first.id).map((id) => byId.get(id)).filter(Boolean).map((c) => c.name);
  fill(box,
    el("h3", {}, "Related concepts"),
    el("ul", {}, names.map((c) => el("li", {}, el("a", { href: `/practice?topic=${encodeURIComponent(c.id)}` }, c.name),
      ` (difficulty ${c.difficulty} of 5)`))),
    el("h3", {}, "Next step"),
    el("p", {}, before.length ? `Make sure of ${before.slice(-3).join(", ")}; then ` : "",
      el("a", { href: `/practice?topic=${encodeURIComponent(first.id)}` }, `practise ${first.name}`), " with an exercise at your level."));
}

/** "Was this helpful?": a rating 1–5 and a comment, stored as feedback the staff see. */
function feedbackForm(question) {
  const box = document.getElementById("answer-feedback");
  const stars = [1, 2, 3, 4, 5].map((n) => el("label", { class: "choice" },
    el("input", { type: "radio", name: "rating", value: n, required: true }), ` ${n}`));
  const comment = el("input", { id: "fb-comment", name: "comment", maxlength: 2000 });
  const note = el("p", { role: "status", class: "status" });
  const form = el("form", { class: "row", "data-testid": "answer-rating" },
    el("fieldset", {}, el("legend", {}, "Was this helpful? (1 = not at all, 5 = very)"), stars),
    el("label", { for: "fb-comment" }, "Comment (optional)"), comment,
    el("button", { type: "submit", class: "secondary" }, "Send"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const picked = form.querySelector("input[name=rating]:checked");
    if (!picked) return;
    try {
      await api("/api/ai-instructor/feedback", { method: "POST", body: { question, rating: Number(picked.value), comment: comment.value.trim() || null } });
      fill(box, el("p", { role: "status" }, "Thank you: your rating was sent."));
    } catch (e) {
      note.textContent = `Not sent: ${e.message}`;
    }
  });
  fill(box, form, note);
}

async function show(answer, question) {
  fill(text, contentWithMarks(answer.content || "", answer.citations || []));
  showCitations(answer.citations);
  await showFacts(answer.facts);
  showRelated(answer.concepts);
  feedbackForm(question);
  const who = answer.instructor_style && answer.instructor_style.name ? ` in the style of ${answer.instructor_style.name}` : "";
  status("ask-status", `Answered${who} (${answer.backend}).`);
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const question = input.value.trim();
  if (!question) { status("ask-status", "Type a question first.", true); input.focus(); return; }
  const level = document.getElementById("level").value;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  section.hidden = false;
  fill(text);
  fill("answer-facts"); fill("answer-citations"); fill("answer-related"); fill("answer-feedback");
  status("ask-status", form.dataset.llm === "1" ? "The instructor is writing…" : "Looking through the lessons…");
  try {
    const r = await fetch("/api/ai-instructor/ask", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify({ question, context: level ? { skill_level: level } : {} }),
    });
    if (!r.ok) {
      let msg = `${r.status} ${r.statusText}`;
      try { msg = (await r.json()).message || msg; } catch { /* keep the status */ }
      throw new Error(msg);
    }
    let final = null;
    let failed = null;
    await readEvents(r, (name, data) => {
      if (name === "content") text.append(data);
      else if (name === "answer") { try { final = JSON.parse(data); } catch { failed = "the answer could not be read"; } }
      else if (name === "error") { try { failed = JSON.parse(data).message; } catch { failed = data; } }
    });
    if (failed) throw new Error(failed);
    if (!final) throw new Error("the answer stopped before it was complete");
    await show(final, question);
  } catch (e) {
    status("ask-status", `Could not answer: ${e.message}`, true);
  } finally {
    button.disabled = false;
  }
});

const q = new URLSearchParams(location.search).get("q");
if (q) { input.value = q; form.requestSubmit(); }
