// Staff: the export builder. Small conversational requests come back inline; the rest run as a
// dataset job whose progress is polled until its files can be downloaded.
import { api, el, fill } from "./common.js";

const form = document.getElementById("export-form");
const out = document.getElementById("export-job");

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
  const body = {
    format: document.getElementById("export-format").value,
    quality_threshold: Number(document.getElementById("export-quality").value) || 0,
    max_examples: Number(document.getElementById("export-max").value) || 100,
    include_audio_features: document.getElementById("export-audio").checked,
  };
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
