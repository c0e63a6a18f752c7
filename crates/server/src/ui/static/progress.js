// Progress: the student's skills with their uncertainty, the takes over time (an SVG plot),
// the practice items due, and the plan (made here for a goal).
import { api, el, fill, momentLink, currentStudent, profileBar } from "./common.js";

let student = null;

/** A bar: the 90 % interval of the chance of success, the estimate as a tick. */
function interval(p, lo, hi) {
  const pct = (v) => `${Math.round(Math.max(0, Math.min(1, v)) * 100)}%`;
  const box = el("span", { class: "barbox", role: "img", "aria-label": `${pct(p)} (90 % between ${pct(lo)} and ${pct(hi)})` });
  const range = el("span", { class: "range" });
  range.style.left = pct(lo);
  range.style.width = pct(hi - lo);
  const mean = el("span", { class: "mean" });
  mean.style.left = pct(p);
  box.append(range, mean);
  return box;
}

function skills(v) {
  if (!v.skills.length) return fill("skills", el("p", {}, "No evidence yet: record a take on the Practice page."));
  fill("skills", el("table", {},
    el("caption", {}, "Chance of playing each concept's exercise well, with its 90 % interval"),
    el("thead", {}, el("tr", {}, ["Concept", "Chance", "", "Evidence", "Mastered"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, v.skills.map((s) => el("tr", {},
      el("td", {}, s.name),
      el("td", {}, `${Math.round(s.p_success * 100)} % (${Math.round(s.p_interval[0] * 100)}–${Math.round(s.p_interval[1] * 100)} %)`),
      el("td", {}, interval(s.p_success, s.p_interval[0], s.p_interval[1])),
      el("td", {}, String(s.evidence)),
      el("td", {}, s.mastered ? "yes" : "not yet"))))));
}

function takes(v) {
  const pts = v.history.filter((h) => h.kind === "take" && h.details && typeof h.details.overall === "number")
    .map((h) => ({ t: Date.parse(h.at), s: h.details.overall, c: h.concept || "" }))
    .filter((p) => !Number.isNaN(p.t)).sort((a, b) => a.t - b.t);
  if (!pts.length) return fill("takes", el("p", {}, "No takes yet."));
  const W = 640, H = 200, L = 40, R = 10, T = 10, B = 26;
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
  const x = (t) => L + ((t - t0) / (t1 - t0)) * (W - L - R);
  const y = (s) => T + (1 - s / 100) * (H - T - B);
  const g = [0, 50, 100].map((s) => [el("line", { x1: L, x2: W - R, y1: y(s), y2: y(s), stroke: "#e5e7eb" }),
    el("text", { x: 4, y: y(s) + 4, "font-size": 12, fill: "#374151" }, String(s))]);
  g.push(el("polyline", { points: pts.map((p) => `${x(p.t)},${y(p.s)}`).join(" "), fill: "none", stroke: "#1e40af", "stroke-width": 2 }));
  pts.forEach((p) => g.push(el("circle", { cx: x(p.t), cy: y(p.s), r: 4, fill: "#1e40af" }, el("title", {}, `${new Date(p.t).toLocaleString()}: ${Math.round(p.s)}`))));
  g.push(el("text", { x: L, y: H - 6, "font-size": 12, fill: "#374151" }, new Date(t0).toLocaleDateString()));
  g.push(el("text", { x: W - R, y: H - 6, "font-size": 12, fill: "#374151", "text-anchor": "end" }, new Date(t1).toLocaleDateString()));
  fill("takes", el("svg", { class: "plot", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Scores of ${pts.length} takes over time, latest ${Math.round(pts[pts.length - 1].s)} of 100` }, g));
}

function due(v) {
  if (!v.due.length) return fill("due", el("p", {}, "Nothing due now."));
  fill("due", el("ul", {}, v.due.map((d) => el("li", {}, `${d.concept} — at ${Math.round(d.target_tempo)} bpm, due ${new Date(d.due_unix * 1000).toLocaleDateString()} `,
    el("a", { href: `/practice?topic=${encodeURIComponent(d.concept)}` }, "practise")))));
}

function plan(p) {
  if (!p) return fill("plan", el("p", {}, "No plan yet: name a goal above."));
  fill("plan",
    el("p", {}, `Towards ${p.goal_name}.`, p.note ? ` ${p.note}` : ""),
    el("ol", {}, (p.days || []).slice(0, 7).map((d) => el("li", {}, el("strong", {}, d.date), ": ",
      d.items.map((it, i) => [i ? "; " : "", `${it.name} (${it.kind}, ${it.minutes} min, ${Math.round(it.tempo_bpm)} bpm)`,
        it.lessons && it.lessons[0] ? [" — ", momentLink(it.lessons[0])] : null])))));
}

async function load() {
  if (!student) {
    fill("skills", el("p", {}, "Pick or create a profile to see your skills."));
    fill("takes"); fill("due"); plan(null);
    return;
  }
  try {
    const v = await api(`/api/students/${encodeURIComponent(student.id)}`);
    skills(v); takes(v); due(v); plan(v.plan);
    if (v.student.goals && v.student.goals[0]) document.getElementById("plan-goal").value = v.student.goals[0];
  } catch (e) {
    fill("skills", el("p", { class: "error", role: "alert" }, e.message));
  }
}

document.getElementById("plan-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const goal = document.getElementById("plan-goal").value.trim();
  const weeks = document.getElementById("plan-weeks").value || "4";
  const q = new URLSearchParams({ weeks });
  if (goal) q.set("goal", goal);
  if (student) q.set("student_id", student.id); else q.set("skill_level", "beginner");
  try {
    plan(await api(`/api/ai-instructor/lesson-plan?${q}`));
  } catch (e) {
    fill("plan", el("p", { class: "error", role: "alert" }, e.message));
  }
});

profileBar((s) => { student = s || currentStudent(); load(); });
