// Helpers every page shares: the JSON API over the cookie session, building elements without
// innerHTML (so nothing from the server is ever parsed as HTML), the student profile.

/** Calls the API; resolves to parsed JSON or throws an Error with the service's message. */
export async function api(path, { method = "GET", body, form, accept } = {}) {
  const headers = {};
  let payload;
  if (form) {
    payload = form;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (accept) headers["Accept"] = accept;
  const r = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) {
    const msg = (data && data.message) || `${r.status} ${r.statusText}`;
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return data;
}

/** An element: el("a", {href: "/"}, "text", child…); attributes set as properties or attributes. */
export function el(tag, attrs = {}, ...children) {
  const svg = ["svg", "rect", "line", "circle", "polyline", "text", "g", "path", "title"].includes(tag);
  const e = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.setAttribute("class", v);
    else if (k.startsWith("on") && typeof v === "function") e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** Replaces an element's children. */
export function fill(target, ...children) {
  const t = typeof target === "string" ? document.getElementById(target) : target;
  t.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return t;
}

/** m:ss of seconds. */
export function clock(s) {
  const t = Math.max(0, Math.floor(Number(s) || 0));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
}

/** A lesson video link the page may open: http(s) only (the service checks it too). */
export function videoHref(m) {
  return typeof m.video_url === "string" && /^https?:\/\//i.test(m.video_url) ? m.video_url : null;
}

/** Where a lesson moment opens in the transcript page, scrolled to it. */
export function momentHref(m) {
  const t = Math.round((Number(m.start_s) || 0) * 10) / 10;
  const e = Number(m.end_s) > t ? `&e=${Math.round(Number(m.end_s) * 10) / 10}` : "";
  return `/lessons/${encodeURIComponent(m.lesson_id)}?t=${t}${e}#moment`;
}

/** A link to a lesson moment: "Title — Instructor, m:ss". */
export function momentLink(m, attrs = {}) {
  const who = m.instructor ? ` — ${m.instructor}` : "";
  return el("a", { href: momentHref(m), ...attrs }, `${m.title || m.lesson_id}${who}, ${clock(m.start_s)}`);
}

/** Shows a status line (role=status) with an optional error style. */
export function status(id, text, isError = false) {
  const e = document.getElementById(id);
  if (!e) return;
  e.textContent = text || "";
  e.classList.toggle("error", !!isError);
}

const STUDENT_KEY = "fretwise.student";

/** The student this browser practises as: {id, name, level_name} or null. */
export function currentStudent() {
  try { return JSON.parse(localStorage.getItem(STUDENT_KEY) || "null"); } catch { return null; }
}

function remember(s) {
  localStorage.setItem(STUDENT_KEY, JSON.stringify({ id: s.id, name: s.name, level_name: s.level_name }));
}

/** Wires the profile bar; calls onChange(student|null) now and whenever it changes. */
export function profileBar(onChange) {
  const show = () => {
    const s = currentStudent();
    const p = document.getElementById("profile-current");
    if (p) {
      if (s) fill(p, "Practising as ", el("strong", {}, s.name), ` (${s.level_name}, id `, el("code", {}, s.id), ").");
      else p.textContent = "No profile on this device yet: create one to keep your progress.";
    }
    onChange(s);
  };
  const form = document.getElementById("profile-form");
  if (form) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const name = document.getElementById("profile-name").value.trim();
      const level = document.getElementById("profile-level").value;
      const goal = document.getElementById("profile-goal").value.trim();
      try {
        const s = await api("/api/students", { method: "POST", body: { name, level, goals: goal ? [goal] : [] } });
        remember(s);
        document.getElementById("profile-new").open = false;
        show();
      } catch (e) {
        fill("profile-current", el("span", { class: "error", role: "alert" }, e.message));
      }
    });
    document.getElementById("profile-use").addEventListener("click", async () => {
      const id = document.getElementById("profile-id").value.trim();
      if (!id) return;
      try {
        const v = await api(`/api/students/${encodeURIComponent(id)}`);
        remember(v.student);
        document.getElementById("profile-new").open = false;
        show();
      } catch (e) {
        fill("profile-current", el("span", { class: "error", role: "alert" }, e.message));
      }
    });
  }
  show();
}
