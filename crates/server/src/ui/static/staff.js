// Staff: the export builder. The preview asks for a dry run (filters, dedup and splits, nothing
// written) and shows its table; small conversational requests come back inline; the rest run as
// a dataset job whose progress is polled until its files can be downloaded.
import { api, el, fill } from "./common.js";

const form = document.getElementById("export-form");
const out = document.getElementById("export-job");
const planOut = document.getElementById("export-plan");

// In the order curation runs: flags, exact and near duplicates, then the threshold filters.
const REASONS = {
  flagged: "Failure flag or not trainable",
  exact_duplicate: "Exact duplicate",
  near_duplicate: "Near duplicate",
  low_confidence: "Low recogniser confidence",
  speech_activity: "Speech activity out of range",
  fillers: "Too many fillers",
  term_density: "Too little guitar terminology",
  low_snr: "Recording too noisy",
  low_quality: "Quality score too low",
};
const SPLITS = ["train", "validation", "test"];

/** The request the form describes: format, size, filters and split settings. */
function request(dryRun) {
  const filters = {};
  for (const input of form.querySelectorAll("input[data-filter]")) {
    if (input.value !== "") filters[input.dataset.filter] = Number(input.value);
  }
  const shares = {};
  for (const input of form.querySelectorAll("input[data-split]")) {
    shares[input.dataset.split] = Number(input.value) || 0;
  }
  const styles = document.getElementById("split-styles").value.split(",").map((s) => s.trim()).filter(Boolean);
  const seed = document.getElementById("split-seed").value;
  return {
    format: document.getElementById("export-format").value,
    max_examples: Number(document.getElementById("export-max").value) || 100,
    include_audio_features: document.getElementById("export-audio").checked,
    filters,
    split_shares: shares,
    seed: seed === "" ? undefined : Number(seed),
    test_styles: styles,
    test_advanced_concepts: document.getElementById("split-advanced").checked,
    dry_run: dryRun,
  };
}

/** The dry-run table: lessons removed per reason, then instructors and lessons per split. */
function planTable(p) {
  const given = p.removed || {};
  const removed = [...Object.keys(REASONS), ...Object.keys(given).filter((k) => !(k in REASONS))]
    .filter((k) => k in given).map((k) => [k, given[k]]);
  const splits = SPLITS.filter((s) => p.splits && p.splits[s]).map((s) => [s, p.splits[s]]);
  return el("table", { "data-testid": "export-plan" },
    el("caption", {}, `Dry run: ${p.lessons_in_catalog} lessons in the catalog, ${p.kept} kept`),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Step"), el("th", { scope: "col" }, "Instructors"), el("th", { scope: "col" }, "Lessons"))),
    el("tbody", {},
      removed.map(([why, n]) => el("tr", { "data-reason": why },
        el("th", { scope: "row" }, `Removed: ${REASONS[why] || why}`), el("td", {}, "—"), el("td", {}, String(n)))),
      splits.map(([name, c]) => el("tr", { "data-split": name },
        el("th", { scope: "row" }, `Split: ${name}`), el("td", {}, String(c.instructors)), el("td", {}, String(c.lessons))))));
}

document.getElementById("export-preview").addEventListener("click", async (ev) => {
  const button = ev.currentTarget;
  button.disabled = true;
  fill(planOut, el("p", {}, "Curating…"));
  try {
    fill(planOut, planTable(await api("/api/ai-training/generate-dataset", { method: "POST", body: request(true) })));
  } catch (e) {
    fill(planOut, el("p", { class: "error", role: "alert" }, `The preview failed: ${e.message}`));
  } finally {
    button.disabled = false;
  }
});

function bar(progress) {
  return el("progress", { class: "progressbar", max: 100, value: Math.round((progress || 0) * 100), "aria-label": "Export progress" });
}

async function poll(id) {
  for (;;) {
    const j = await api(`/api/jobs/${encodeURIComponent(id)}`);
    if (j.status === "done") {
      const files = (j.result && j.result.files) || [];
      fill(out,
        el("p", { "data-testid": "export-status", "data-status": "done" }, `Job ${j.id} is done: ${files.length} files.`),
        el("ul", { "data-testid": "export-files" }, files.map((f) => el("li", {},
          el("a", { href: `/api/jobs/${encodeURIComponent(j.id)}/files/${f.split("/").map(encodeURIComponent).join("/")}`, download: f.split("/").pop() }, f)))));
      return;
    }
    if (j.status === "failed" || j.status === "cancelled") {
      fill(out, el("p", { class: "error", role: "alert", "data-testid": "export-status", "data-status": j.status }, `Job ${j.id} ${j.status}: ${j.message || ""}`));
      return;
    }
    fill(out, el("p", { "data-testid": "export-status", "data-status": j.status }, `Job ${j.id}: ${j.status} ${j.message || ""} `), bar(j.progress),
      el("button", { type: "button", class: "secondary", onclick: async () => { await api(`/api/jobs/${encodeURIComponent(id)}`, { method: "DELETE" }); } }, "Cancel"));
    await new Promise((r) => setTimeout(r, 700));
  }
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const body = request(false);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  fill(out, el("p", {}, "Starting…"));
  try {
    const r = await api("/api/ai-training/generate-dataset", { method: "POST", body });
    if (r.job_id) await poll(r.job_id);
    else {
      const blob = new Blob([JSON.stringify(r, null, 2)], { type: "application/json" });
      fill(out, el("p", { "data-testid": "export-status", "data-status": "done" }, `${r.count} conversations, inline. `,
        el("a", { href: URL.createObjectURL(blob), download: "conversations.json" }, "Download conversations.json")));
    }
  } catch (e) {
    fill(out, el("p", { class: "error", role: "alert" }, `The export could not start: ${e.message}`));
  } finally {
    button.disabled = false;
  }
});
