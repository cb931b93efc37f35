// The analyst page: plain DOM, no framework, no requests to any other host.
// Text from the register is always set with textContent (never innerHTML): questions are
// user input.
"use strict";

const state = { meta: null, needs: [], selected: new Set(), current: null, round: null };
const $ = (id) => document.getElementById(id);

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

async function api(path, options = {}) {
  const init = { credentials: "same-origin", ...options, headers: { "X-Requested-With": "kunskap", ...(options.headers || {}) } };
  if (init.body && typeof init.body !== "string") {
    init.body = JSON.stringify(init.body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(path, init);
  if (res.status === 401) { window.location.href = "/analys/login"; throw new Error("inloggning krävs"); }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.detail ? (typeof data.detail === "string" ? data.detail : "ogiltiga uppgifter") : `fel ${res.status}`);
  return data;
}

function fillSelect(select, entries, keepFirst = true) {
  if (!keepFirst) select.replaceChildren();
  for (const [value, label] of entries) select.append(el("option", { value, text: label }));
}

// Event handlers run async work; a failure (ended session, a need merged away by a
// colleague) is shown in the list's status line instead of being lost as an unhandled rejection.
function reported(fn) {
  return (...args) => fn(...args).catch((err) => { $("list-status").textContent = err.message; });
}

function day(iso) { return iso ? iso.slice(0, 10) : ""; }

function filterParams() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($("filter-form")).entries()) if (v) params.set(k, v);
  return params;
}

async function loadNeeds() {
  const params = filterParams();
  $("list-status").textContent = "Hämtar behov …";
  state.needs = await api(`/api/needs?${params}`);
  state.selected.clear();
  renderTable();
  const exportParams = new URLSearchParams(params);
  exportParams.delete("q"); exportParams.delete("sort");
  $("export-csv").href = `/api/needs/export?format=csv&${exportParams}`;
  $("export-xlsx").href = `/api/needs/export?format=xlsx&${exportParams}`;
  $("list-status").textContent = `${state.needs.length} behov`;
}

function renderTable() {
  const body = $("needs-table").querySelector("tbody");
  body.replaceChildren();
  const target = $("merge-target");
  target.replaceChildren();
  for (const need of state.needs) {
    const box = el("input", { type: "checkbox", "aria-label": `Markera: ${need.representative}` });
    box.addEventListener("change", () => {
      if (box.checked) state.selected.add(need.id); else state.selected.delete(need.id);
      row.classList.toggle("selected", box.checked);
    });
    const open = el("button", { type: "button", class: "link", text: need.representative, onclick: reported(() => openNeed(need.id)) });
    const row = el("tr", {},
      el("td", {}, box),
      el("td", {}, open),
      el("td", { text: need.area_label }),
      el("td", { text: need.status_label }),
      el("td", { class: "num", text: String(need.question_count) }),
      el("td", { class: "num", text: String(need.session_count) }),
      el("td", { text: day(need.last_seen) }));
    body.append(row);
    target.append(el("option", { value: need.id, text: need.representative.slice(0, 80) }));
  }
}

// --- charts: inline SVG bars, drawn here, with the numbers also as text for screen readers
function barChart(container, entries, labelledBy) {
  const width = 360, barH = 22, gap = 6, labelW = 150;
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const height = entries.length * (barH + gap) + gap;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", labelledBy);
  const desc = document.createElementNS(ns, "desc");
  desc.textContent = entries.map(([k, v]) => `${k}: ${v}`).join(", ");
  svg.append(desc);
  entries.forEach(([label, value], i) => {
    const y = gap + i * (barH + gap);
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", "0"); t.setAttribute("y", String(y + barH * 0.7));
    t.textContent = label.length > 22 ? `${label.slice(0, 21)}…` : label;
    const r = document.createElementNS(ns, "rect");
    r.setAttribute("class", "bar");
    r.setAttribute("x", String(labelW)); r.setAttribute("y", String(y));
    r.setAttribute("height", String(barH));
    r.setAttribute("width", String(((width - labelW - 30) * value) / max));
    const n = document.createElementNS(ns, "text");
    n.setAttribute("x", String(labelW + ((width - labelW - 30) * value) / max + 4));
    n.setAttribute("y", String(y + barH * 0.7));
    n.textContent = String(value);
    svg.append(t, r, n);
  });
  container.replaceChildren(svg);
}

async function loadStats() {
  const stats = await api("/api/needs/stats");
  const areas = state.meta.areas;
  barChart($("chart-area"), Object.entries(stats.per_area).map(([k, v]) => [areas[k] || k, v]), "cap-area");
  barChart($("chart-month"), Object.entries(stats.per_month).slice(-12), "cap-month");
  const top = $("top-needs");
  top.replaceChildren();
  for (const need of stats.top) {
    top.append(el("li", {}, el("button", { type: "button", class: "link", text: `${need.representative} (${need.question_count})`, onclick: reported(() => openNeed(need.id)) })));
  }
}

// --- one need
async function openNeed(id) {
  const need = await api(`/api/needs/${encodeURIComponent(id)}`);
  state.current = need;
  const meta = state.meta;
  $("detail").hidden = false;
  $("detail-heading").textContent = need.representative;
  const facts = [
    ["Status", need.status_label + (need.reject_reason ? ` (${meta.reject_reasons[need.reject_reason]})` : "")],
    ["Område", need.area_label],
    ["Frågor", String(need.question_count)],
    ["Sessioner", String(need.session_count)],
    ["Första", day(need.first_seen)],
    ["Senaste", day(need.last_seen)],
    ["Orsaker", Object.entries(need.reasons).map(([k, v]) => `${meta.reasons[k] || k}: ${v}`).join(", ")],
    ["Ansvarig", need.assignee || "–"],
  ];
  if (need.forwarded_to) facts.push(["Vidarebefordrat till", need.forwarded_to]);
  if (need.answer_url) facts.push(["Kunskapsstöd", need.answer_url]);
  facts.push(["Ursprung", (need.origins || []).join(", ") || need.origin]);
  for (const d of need.documents || []) {
    facts.push(["Källa", `${d.title} (${d.doc_id}${d.page ? `, s. ${d.page}` : ""}): ”${d.quote}”`]);
  }
  $("detail-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));

  const possible = need.possibly_answered_by || [];
  $("possible-block").hidden = !possible.length;
  $("possible").replaceChildren(...possible.map((p) => {
    const base = `/api/needs/${encodeURIComponent(need.id)}/possibly-answered/${encodeURIComponent(p.doc_id)}`;
    return el("li", {},
      el("span", { text: `${p.title || p.doc_id}${p.page ? `, s. ${p.page}` : ""}: ”${p.quote}” ` }),
      el("button", { type: "button", text: "Bekräfta besvarad", onclick: reported(async () => { await api(`${base}/confirm`, { method: "POST" }); await openNeed(need.id); await loadNeeds(); }) }), " ",
      el("button", { type: "button", text: "Avfärda", onclick: reported(async () => { await api(base, { method: "DELETE" }); await openNeed(need.id); }) }));
  }));

  // Paraphrases the grouping kept apart: offered for merging into this need.
  const similar = await api(`/api/needs/${encodeURIComponent(need.id)}/similar`);
  $("similar-block").hidden = !similar.length;
  $("similar").replaceChildren(...similar.map((o) => el("li", {},
    el("span", { text: `”${o.representative}” (${o.area_label}, ${o.status_label}, ${o.question_count} frågor) ` }),
    el("button", { type: "button", text: "Öppna", "aria-label": `Öppna: ${o.representative}`, onclick: reported(() => openNeed(o.id)) }), " ",
    el("button", { type: "button", text: "Slå ihop in i detta behov", "aria-label": `Slå ihop in i detta behov: ${o.representative}`, onclick: reported(async () => {
      await api("/api/needs/merge", { method: "POST", body: { target_id: need.id, source_ids: [o.id] } });
      await Promise.all([openNeed(need.id), loadNeeds(), loadStats()]);
    }) }))));

  const statusSel = $("u-status");
  statusSel.replaceChildren(el("option", { value: "", text: "(oförändrad)" }));
  fillSelect(statusSel, meta.transitions[need.status].map((s) => [s, meta.statuses[s]]));
  $("u-rep").value = need.representative;
  $("u-target").value = need.target_group || "";
  $("u-support").value = need.support_type || "";
  $("u-assignee").value = need.assignee || "";
  $("u-url").value = need.answer_url || "";
  $("u-forward").value = need.forwarded_to || "";
  $("u-reject").value = need.reject_reason || "";
  $("u-area").value = need.area;
  $("u-note").value = "";

  const list = $("questions");
  list.replaceChildren();
  for (const q of need.questions) {
    const box = el("input", { type: "checkbox", id: `q-${q.id}`, value: q.id });
    const label = el("label", { for: `q-${q.id}`, text: q.text });
    const sources = q.top_sources.map((s) => `${s.title || s.doc_id} (${s.score.toFixed(2)})`).join("; ");
    list.append(el("li", {}, box, " ", label,
      el("div", { class: "sources", text: `${day(q.created_at)} · ${meta.reasons[q.reason] || q.reason} · källor: ${sources || "inga"}` }),
      q.comment ? el("div", { class: "sources", text: `Kommentar: ${q.comment}` }) : ""));
  }
  if (!need.questions.length) list.append(el("li", { text: "Frågorna är gallrade; behovet finns kvar." }));
  $("notes").replaceChildren(...need.notes.map((n) => el("li", { text: `${day(n.created_at)} ${n.author}: ${n.text}` })));
  $("audit").replaceChildren(...need.audit.map((a) => el("li", { text: `${a.at.slice(0, 16).replace("T", " ")} ${a.actor}: ${a.action} ${JSON.stringify(a.detail)}` })));
  $("detail-heading").focus();
}

async function saveNeed(event) {
  event.preventDefault();
  const need = state.current;
  const form = new FormData($("update-form"));
  const body = {};
  for (const [k, v] of form.entries()) {
    if (v === "") continue;
    if (k === "representative" && v === need.representative) continue;
    body[k] = v;
  }
  try {
    await api(`/api/needs/${encodeURIComponent(need.id)}`, { method: "PATCH", body });
    $("update-status").textContent = "Sparat.";
    await Promise.all([openNeed(need.id), loadNeeds(), loadStats()]);
  } catch (err) {
    $("update-status").textContent = `Kunde inte spara: ${err.message}`;
  }
}

async function splitNeed() {
  const ids = [...$("questions").querySelectorAll("input:checked")].map((b) => b.value);
  if (!ids.length) { $("update-status").textContent = "Markera minst en fråga."; return; }
  try {
    const created = await api(`/api/needs/${encodeURIComponent(state.current.id)}/split`, { method: "POST", body: { question_ids: ids } });
    await loadNeeds();
    await openNeed(created.id);
  } catch (err) { $("update-status").textContent = `Kunde inte dela: ${err.message}`; }
}

async function mergeNeeds() {
  const target = $("merge-target").value;
  const sources = [...state.selected].filter((id) => id !== target);
  if (!target || !sources.length) { $("list-status").textContent = "Markera behov att slå ihop och välj vilket de ska slås ihop in i."; return; }
  try {
    await api("/api/needs/merge", { method: "POST", body: { target_id: target, source_ids: sources } });
    await Promise.all([loadNeeds(), loadStats()]);
    $("list-status").textContent = `${sources.length} behov ihopslagna.`;
  } catch (err) { $("list-status").textContent = `Kunde inte slå ihop: ${err.message}`; }
}

// --- inventory rounds (the seven moments of SKR's model) ----------------------------------

function roundReported(fn) {
  return (...args) => fn(...args).catch((err) => { $("rounds-status").textContent = err.message; });
}

async function loadRounds() {
  const rounds = await api("/api/rounds");
  $("rounds-list").replaceChildren(...rounds.map((r) => el("li", {},
    el("button", { type: "button", class: "link", text: `${r.title} – ${r.area_label}, ${r.period_from}–${r.period_to} (${r.status_label})`, onclick: roundReported(() => openRound(r.id)) }))));
  if (!rounds.length) $("rounds-list").replaceChildren(el("li", { text: "Inga omgångar än." }));
}

function renderRound(r) {
  state.round = r;
  $("round").hidden = false;
  $("round-heading").textContent = r.title;
  const facts = [["Område", r.area_label], ["Period", `${r.period_from} – ${r.period_to}`],
    ["Leds av", r.owner], ["Källor", r.sources.join(", ") || "alla"],
    ["Ursprung som räknas", r.origins.join(", ")], ["Läge", r.status_label]];
  $("round-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
  const body = $("round-table").querySelector("tbody");
  body.replaceChildren();
  for (const item of r.needs) {
    const n = item.need;
    const support = item.support ? `${item.support.title}${item.support.page ? `, s. ${item.support.page}` : ""}: ”${item.support.quote.slice(0, 160)}”` : "–";
    const points = el("input", { type: "number", min: "0", max: "10", class: "vote", "aria-label": `Poäng för: ${n.representative}`, value: "0" });
    const votes = item.votes.map((v) => `${v.voter} ${v.points} (${day(v.at)})`).join(", ");
    const actions = item.set_aside
      ? el("div", {}, el("span", { text: `Satt åt sidan: ${item.set_aside_reason} ` }),
        el("button", { type: "button", text: "Ta tillbaka", onclick: roundReported(() => roundCall(`needs/${n.id}/set-aside`, "DELETE")) }))
      : el("div", {}, points, " ",
        el("button", { type: "button", text: "Ge poäng", onclick: roundReported(() => roundCall(`needs/${n.id}/vote`, "PUT", { points: Number(points.value) })) }), " ",
        el("button", { type: "button", text: "Redan mött", onclick: roundReported(() => roundCall(`needs/${n.id}/set-aside`, "POST", { reason: item.support ? `${item.support.title} (${item.support.doc_id})` : "befintligt kunskapsstöd" })) }));
    body.append(el("tr", {},
      el("td", { text: n.representative }),
      el("td", { text: n.origins.join(", ") }),
      el("td", { text: support }),
      el("td", { class: "num", text: `${item.points}${votes ? ` – ${votes}` : ""}` }),
      el("td", {}, actions)));
  }
  $("round-batches").replaceChildren(...r.batches.map((b) => el("li", { text: `${day(b.created_at)} till ${b.recipient} av ${b.created_by}: ${b.contents.length} behov, ${b.withheld} kvarhållna (id ${b.id})` })));
  $("round-answered").replaceChildren(...r.answered.map((n) => el("li", { text: `${n.representative}: ${n.answer_url}` })));
}

async function openRound(id) {
  renderRound(await api(`/api/rounds/${encodeURIComponent(id)}`));
  $("round-heading").focus();
}

async function roundCall(path, method = "POST", body = undefined) {
  const r = state.round;
  const result = await api(`/api/rounds/${encodeURIComponent(r.id)}/${path}`, { method, body });
  if (result.needs) renderRound(result); else await openRound(r.id);
  $("rounds-status").textContent = "Sparat.";
  await loadRounds();
}

async function startRound(event) {
  event.preventDefault();
  const f = new FormData($("round-form"));
  const sources = (f.get("sources") || "").split(",").map((x) => x.trim()).filter(Boolean);
  const r = await api("/api/rounds", { method: "POST", body: { title: f.get("title"), area: f.get("area"), period_from: f.get("period_from"), period_to: f.get("period_to"), owner: f.get("owner"), sources } });
  $("round-form").reset();
  renderRound(r);
  await loadRounds();
  $("round-heading").focus();
}

async function addOwnNeed(event) {
  event.preventDefault();
  const r = state.round;
  await api("/api/needs", { method: "POST", body: { formulation: $("o-text").value, area: r.area, round_id: r.id } });
  $("o-text").value = "";
  await openRound(r.id);
  $("rounds-status").textContent = "Egen post tillagd.";
}

async function init() {
  state.meta = await api("/api/needs/meta");
  const m = state.meta;
  $("user-name").textContent = `${m.user.name} (${m.user.role === "admin" ? "administratör" : "analytiker"})`;
  fillSelect($("f-area"), Object.entries(m.areas));
  fillSelect($("f-status"), Object.entries(m.statuses));
  fillSelect($("f-reason"), Object.entries(m.reasons));
  fillSelect($("u-reject"), Object.entries(m.reject_reasons));
  fillSelect($("u-forward"), m.forward_targets.map((t) => [t, t]));
  fillSelect($("u-area"), Object.entries(m.areas), false);
  $("filter-form").addEventListener("submit", (e) => { e.preventDefault(); reported(loadNeeds)(); });
  $("update-form").addEventListener("submit", saveNeed);
  $("split-button").addEventListener("click", splitNeed);
  $("merge-button").addEventListener("click", mergeNeeds);
  fillSelect($("r-area"), Object.entries(m.areas), false);
  $("round-form").addEventListener("submit", roundReported(startRound));
  $("own-form").addEventListener("submit", roundReported(addOwnNeed));
  $("round-gather").addEventListener("click", roundReported(() => roundCall("gather")));
  $("round-compile").addEventListener("click", roundReported(() => roundCall("compile")));
  $("round-hand-over").addEventListener("click", roundReported(() => roundCall("hand-over", "POST", { recipient: $("round-recipient").value })));
  await Promise.all([loadNeeds(), loadStats(), loadRounds()]);
}

document.addEventListener("DOMContentLoaded", () => { init().catch((err) => { $("list-status").textContent = err.message; }); });
