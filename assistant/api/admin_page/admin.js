// The sources admin page: plain DOM, no framework, no requests to any other host.
// Titles and errors come from documents and files: always set with textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const STATUS = { indexed: "Inläst", pending: "Väntar på inläsning", failed: "Fel", vanished: "Försvunnen" };
const ORIGIN = { manifest: "corpus_manifest.yaml", uploaded: "Uppladdad här" };
const when = (iso) => (iso ? new Date(iso).toLocaleString("sv-SE") : "");
const JOB_STATE = { queued: "i kö", running: "pågår", done: "klar", failed: "klar med fel" };
let polling = null;
let sources = [];

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function message(detail, status) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail) && detail.length) return detail.map((d) => d.msg).join(" ");
  return `Något gick fel (${status}).`;
}

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options, headers: { "X-Requested-With": "kunskap", ...(options.headers || {}) } };
  if (init.body && !(init.body instanceof FormData) && typeof init.body !== "string") {
    init.body = JSON.stringify(init.body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(path, init);
  if (res.status === 401) { window.location.href = "/analys/login"; throw new Error("Inloggning krävs."); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(message(data.detail, res.status));
  return data;
}

function seconds(s) {
  if (s === null || s === undefined) return "";
  return s < 60 ? `cirka ${Math.ceil(s)} s kvar` : `cirka ${Math.ceil(s / 60)} min kvar`;
}

function showJobs(jobs) {
  const active = jobs.find((j) => j.state === "running") || jobs.find((j) => j.state === "queued");
  const last = jobs[jobs.length - 1];
  const bar = $("job-progress");
  if (active) {
    const total = active.documents_total || 0;
    $("job-status").textContent = active.state === "queued"
      ? `${active.reason}: i kö.`
      : `${active.reason}: ${active.documents_done} av ${total || "?"} dokument, ${active.chunks} chunkar skrivna${active.seconds_left != null ? ", " + seconds(active.seconds_left) : ""}.`;
    bar.hidden = false;
    bar.max = Math.max(total, 1);
    bar.value = active.documents_done;
    $("job-summary").textContent = "";
  } else {
    bar.hidden = true;
    $("job-status").textContent = last ? `Senaste inläsningen (${last.reason}) är ${JOB_STATE[last.state]}.` : "Ingen inläsning pågår.";
    $("job-summary").textContent = last && last.summary ? last.summary : "";
    if (last && last.failures.length) $("job-summary").textContent += " Fel: " + last.failures.join("; ");
    if (last && last.error) $("job-summary").textContent += " " + last.error;
  }
  document.body.dataset.jobState = active ? active.state : (last ? last.state : "none");
  return Boolean(active);
}

function row(s) {
  const actions = el("td");
  if (s.origin === "uploaded") {
    actions.append(el("button", { type: "button", class: "link", text: "Ändra", onclick: () => startEdit(s) }), " ");
    actions.append(el("button", { type: "button", class: "link", text: "Ta bort", onclick: () => remove(s) }));
  }
  if (s.file_url) actions.append(" ", el("a", { href: s.file_url, target: "_blank", rel: "noopener", text: "Öppna" }));
  // A web page says so, and a vanished one since when (its chunks stay until it is taken
  // out of the manifest).
  let status = STATUS[s.status];
  if (s.status === "vanished" && s.page && s.page.since) status += ` sedan ${when(s.page.since)}`;
  const origin = s.page ? `Webbsida i ${ORIGIN[s.origin]}` : ORIGIN[s.origin];
  let error = s.error || "";
  if (s.status === "vanished") error += (error ? ". " : "") + "Delarna ligger kvar tills sidan tas bort ur manifestet.";
  if (s.page && s.page.last_checked) error += (error ? " " : "") + `(kontrollerad ${when(s.page.last_checked)})`;
  return el("tr", { "data-doc-id": s.doc_id, "data-status": s.status },
    el("td", { text: s.title }), el("td", { text: s.doc_type_label || s.doc_type }), el("td", { text: origin }),
    el("td", { class: `status-${s.status}`, text: status }), el("td", { text: String(s.chunks) }),
    el("td", { text: when(s.last_ingested) }), el("td", { text: error }), actions);
}

async function refresh() {
  try {
    const data = await api("/api/sources/jobs");
    sources = data.sources;
    $("sources").tBodies[0].replaceChildren(...sources.map(row));
    $("list-status").textContent = `${sources.length} källor.`;
    const sync = data.last_sync;
    const every = data.sync_interval_hours > 0 ? ` Servern hämtar dem var ${data.sync_interval_hours}:e timme.` : " Servern hämtar dem bara när du ber om det.";
    $("sync-status").textContent = (sync ? `Senast ${when(sync.started_at)}: ${sync.summary}` : "Webbkällorna har inte hämtats än.") + every;
    $("sync-problems").replaceChildren(...(sync ? sync.problems : []).map((p) =>
      el("li", { text: `${p.outcome === "vanished" ? "Försvunnen" : "Misslyckad"}: ${p.url} – ${p.reason || ""}${p.since ? ` (sedan ${when(p.since)})` : ""}` })));
    const busy = showJobs(data.jobs);
    if (busy && !polling) polling = setInterval(refresh, 1000);
    if (!busy && polling) { clearInterval(polling); polling = null; }
  } catch (err) {
    $("list-status").textContent = err.message;
  }
}

function startEdit(s) {
  $("edit-id").value = s.doc_id;
  $("file-field").hidden = true;
  $("s-file").required = false;
  $("s-title").value = s.title;
  $("s-doc-type").value = s.doc_type;
  $("s-publisher").value = s.publisher || "";
  $("s-published").value = s.published || "";
  $("s-url").value = s.url || "";
  $("s-license").value = s.license || "";
  document.querySelectorAll("input[name=areas]").forEach((box) => { box.checked = s.areas.includes(box.value); });
  $("upload-heading").textContent = `Ändra källan ”${s.title}”`;
  $("s-submit").textContent = "Spara och läs in igen";
  $("s-cancel").hidden = false;
  $("s-title").focus();
}

function endEdit() {
  $("source-form").reset();
  $("edit-id").value = "";
  $("file-field").hidden = false;
  $("s-file").required = true;
  $("upload-heading").textContent = "Ladda upp en källa";
  $("s-submit").textContent = "Ladda upp och läs in";
  $("s-cancel").hidden = true;
}

async function remove(s) {
  if (!window.confirm(`Ta bort ”${s.title}”? Dokumentet tas bort ur indexet.`)) return;
  try {
    await api(`/api/sources/${s.doc_id.split("/").map(encodeURIComponent).join("/")}`, { method: "DELETE" });
  } catch (err) { $("list-status").textContent = err.message; }
  refresh();
}

async function submit(event) {
  event.preventDefault();
  $("form-message").textContent = "";
  const form = new FormData($("source-form"));
  const editing = $("edit-id").value;
  try {
    if (editing) {
      const body = {};
      for (const key of ["title", "doc_type", "publisher", "published", "url", "license"]) {
        const value = form.get(key);
        if (value) body[key] = value;
      }
      body.areas = form.getAll("areas");
      await api(`/api/sources/${editing.split("/").map(encodeURIComponent).join("/")}`, { method: "PATCH", body });
      endEdit();
    } else {
      for (const key of ["published", "url", "license"]) if (!form.get(key)) form.delete(key);
      await api("/api/sources", { method: "POST", body: form });
      $("source-form").reset();
    }
    $("form-message").textContent = "";
  } catch (err) {
    $("form-message").textContent = err.message;
  }
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  $("source-form").addEventListener("submit", submit);
  $("s-cancel").addEventListener("click", endEdit);
  $("reingest").addEventListener("click", async () => {
    try { await api("/api/sources/ingest", { method: "POST" }); } catch (err) { $("job-status").textContent = err.message; }
    refresh();
  });
  $("sync").addEventListener("click", async () => {
    try { await api("/api/sources/sync", { method: "POST" }); } catch (err) { $("job-status").textContent = err.message; }
    refresh();
  });
  refresh();
});
