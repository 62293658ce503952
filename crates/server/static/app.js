// ticai's page: search, article, trends. No framework, no build step.
// Untrusted text (titles, article text, sources, snippets) is only ever
// inserted as text nodes; the one markup we accept, the snippet's <b>, is
// rebuilt as elements from the escaped string (see snippetNodes).
"use strict";

const PAGE = 20;
const PALETTE = 10; // colour classes c0..c9 in app.css

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

// ---- state in the URL hash ----------------------------------------------

function state() {
  return new URLSearchParams(location.hash.replace(/^#/, ""));
}

function go(params) {
  const h = "#" + params.toString();
  if (location.hash === h) render();
  else location.hash = h;
}

function withView(view, extra) {
  const p = new URLSearchParams();
  p.set("view", view);
  for (const [k, v] of Object.entries(extra || {})) {
    if (v !== "" && v !== null && v !== undefined) p.set(k, v);
  }
  return p;
}

const FILTER_KEYS = ["q", "theme", "company", "source", "since", "until", "sort"];

function filtersFromForm() {
  const out = {};
  for (const k of FILTER_KEYS) out[k] = $(k).value.trim();
  if (out.sort === "relevance") out.sort = "";
  return out;
}

function formFromState(s) {
  for (const k of FILTER_KEYS) $(k).value = s.get(k) || (k === "sort" ? "relevance" : "");
}

// ---- API -------------------------------------------------------------------

async function api(path, params) {
  const qs = params ? "?" + params.toString() : "";
  const r = await fetch(path + qs, { headers: { Accept: "application/json" } });
  let body;
  try {
    body = await r.json();
  } catch (e) {
    throw new Error(`${r.status} ${r.statusText}`);
  }
  if (!r.ok) {
    let msg = body.error || `${r.status}`;
    if (body.detail && body.detail.column) msg += `（第 ${body.detail.column} 列）`;
    throw new Error(msg);
  }
  return body;
}

function showError(e) {
  const p = $("error");
  if (!e) {
    p.hidden = true;
    p.textContent = "";
    return;
  }
  p.hidden = false;
  p.textContent = "错误 / error: " + (e.message || String(e));
}

// ---- themes (for the picker, names and colours) ----------------------------

let THEMES = [];
const THEME_BY_ID = new Map();

async function loadThemes() {
  const t = await api("/api/themes");
  THEMES = t.themes;
  for (const th of THEMES) THEME_BY_ID.set(th.id, th);
  const pick = $("theme");
  const multi = $("t-themes");
  for (const th of THEMES) {
    const label = `${th.name_zh}`;
    const title = `${th.name_en} (${th.id})`;
    pick.append(el("option", { value: th.id, text: label, title }));
    multi.append(el("option", { value: th.id, text: label, title }));
  }
}

async function loadStats() {
  try {
    const s = await api("/api/stats");
    $("stats").textContent = `${s.documents} 篇`;
    $("stats").title = `${s.documents} documents, ${s.first_published || "-"} .. ${s.last_published || "-"}`;
    const dl = $("sources");
    dl.replaceChildren(...s.sources.map((x) => el("option", { value: x.source })));
  } catch (e) {
    showError(e);
  }
}

// ---- snippets: only <b> is markup, everything else is escaped text ----------

const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };

function unescapeHtml(s) {
  return s.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (m) => ENTITIES[m]);
}

function snippetNodes(html) {
  const out = [];
  const parts = html.split(/(<b>|<\/b>)/);
  let bold = false;
  for (const part of parts) {
    if (part === "<b>") bold = true;
    else if (part === "</b>") bold = false;
    else if (part) {
      const text = unescapeHtml(part);
      out.push(bold ? el("b", { text }) : document.createTextNode(text));
    }
  }
  return out;
}

// ---- views -----------------------------------------------------------------

function showView(name) {
  for (const v of ["search", "article", "trends"]) $("view-" + v).hidden = v !== name;
  $("nav-search").classList.toggle("active", name !== "trends");
  $("nav-trends").classList.toggle("active", name === "trends");
  document.body.setAttribute("data-view", name);
}

function dateOf(s) {
  return s ? s.slice(0, 16).replace("T", " ") : "-";
}

function chip(kind, key, label, title, colour) {
  return el("span", {
    class: `chip ${kind} c${colour}`,
    text: label,
    title,
    "data-kind": kind,
    "data-key": key,
  });
}

async function renderSearch(s) {
  showView("search");
  const params = new URLSearchParams();
  for (const k of FILTER_KEYS) if (s.get(k)) params.set(k, s.get(k));
  const offset = parseInt(s.get("offset") || "0", 10) || 0;
  params.set("limit", String(PAGE));
  if (offset) params.set("offset", String(offset));
  const res = await api("/api/search", params);
  $("summary").textContent = `共 ${res.total} 条结果`;
  $("summary").title = `${res.total} results`;
  const list = $("results");
  list.replaceChildren();
  list.start = offset + 1;
  for (const h of res.results) {
    const link = el("a", {
      class: "title",
      href: "#" + withView("article", { id: h.id }).toString(),
      text: h.title || "（无标题）",
      title: h.id,
    });
    const meta = el(
      "p",
      { class: "meta" },
      el("span", { class: "date", text: dateOf(h.published_at) }),
      " · ",
      el("span", { class: "source", text: h.source || "-" }),
    );
    if (h.copies > 1) {
      meta.append(" · ", el("span", { class: "copies", text: `${h.copies} 篇转载`, title: `${h.copies} copies of this story (near-duplicate cluster)` }));
    }
    const chips = el("div", { class: "chips" });
    (h.themes || []).forEach((t, i) => {
      const th = THEME_BY_ID.get(t.id);
      chips.append(chip("theme", t.id, `${t.name}`, `${th ? th.name_en : t.id} · ${t.mentions} mention(s)`, i % PALETTE));
    });
    (h.companies || []).forEach((c) => {
      chips.append(chip("company", c.name, c.name, `${c.code ? c.code + "." + (c.exchange || "") : "unlisted"} · ${c.mentions} mention(s)`, "k"));
    });
    const snippet = el("p", { class: "snippet" }, ...snippetNodes(h.snippet || ""));
    list.append(el("li", { class: "hit", "data-id": h.id }, link, meta, chips, snippet));
  }
  $("prev").disabled = offset <= 0;
  $("next").disabled = offset + PAGE >= res.total;
  $("page").textContent = res.total ? `${offset + 1}–${Math.min(offset + PAGE, res.total)}` : "";
}

// Marks in `text` (an array of characters) for the spans [{start, end, tags}].
function markedNodes(chars, spans) {
  const out = [];
  let at = 0;
  for (const sp of spans) {
    if (sp.start < at) continue; // a partial overlap: the earlier span wins
    if (sp.start > at) out.push(document.createTextNode(chars.slice(at, sp.start).join("")));
    const first = sp.tags[0];
    out.push(
      el("mark", {
        class: `ev c${first.colour}`,
        text: chars.slice(sp.start, sp.end).join(""),
        title: sp.tags.map((t) => `${t.label} (${t.term}, ${t.reason})`).join("; "),
        "data-start": String(sp.start),
        "data-end": String(sp.end),
        "data-field": sp.field,
        "data-tags": sp.tags.map((t) => t.kind + ":" + t.key).join("|"),
      }),
    );
    at = sp.end;
  }
  if (at < chars.length) out.push(document.createTextNode(chars.slice(at).join("")));
  return out;
}

function spansOf(field, tags) {
  const byRange = new Map();
  for (const t of tags) {
    for (const e of t.evidence) {
      if (e.field !== field) continue;
      const k = `${e.start}:${e.end}`;
      if (!byRange.has(k)) byRange.set(k, { start: e.start, end: e.end, field, tags: [] });
      byRange.get(k).tags.push({ ...t, term: e.term, reason: e.reason });
    }
  }
  return [...byRange.values()].sort((a, b) => a.start - b.start || b.end - a.end);
}

let jumpAt = new Map();

async function renderArticle(s) {
  showView("article");
  const id = s.get("id") || "";
  const path = "/api/documents/" + encodeURIComponent(id);
  const a = await api(path);
  const tags = [];
  a.themes.forEach((t, i) => {
    const th = THEME_BY_ID.get(t.id);
    tags.push({ kind: "theme", key: t.id, label: t.name, en: th ? th.name_en : t.name_en, colour: i % PALETTE, evidence: t.evidence, total: t.evidence_total || t.evidence.length, mentions: t.mentions });
  });
  a.companies.forEach((c) => {
    tags.push({ kind: "company", key: c.name, label: c.name, en: c.code ? `${c.code}.${c.exchange || ""}` : "unlisted", colour: "k", evidence: c.evidence, total: c.evidence_total || c.evidence.length, mentions: c.mentions });
  });
  const title = Array.from(a.title || "");
  const chars = Array.from(a.text || "");
  // long documents: each tag's spans come a page at a time
  const limit = a.evidence_limit;
  let next = a.evidence_offset + (limit || 0);
  const more = el("button", { type: "button", id: "a-more", class: "more" });
  const marks = () => {
    $("a-title").replaceChildren(...markedNodes(title, spansOf("title", tags)));
    if (!title.length) $("a-title").textContent = "（无标题）";
    $("a-text").replaceChildren(...markedNodes(chars, spansOf("text", tags)));
    const shown = tags.reduce((n, t) => n + t.evidence.length, 0);
    const total = tags.reduce((n, t) => n + t.total, 0);
    more.hidden = !limit || shown >= total;
    more.textContent = `显示更多标注（已显示 ${shown} / ${total}）`;
    more.title = `${shown} of ${total} evidence spans highlighted: load ${limit} more per tag`;
  };
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await api(path, new URLSearchParams({ evidence_offset: String(next), evidence_limit: String(limit), text: "false" }));
      const byKey = new Map(tags.map((t) => [t.kind + ":" + t.key, t]));
      for (const t of page.themes) {
        const tag = byKey.get("theme:" + t.id);
        if (tag) tag.evidence = tag.evidence.concat(t.evidence);
      }
      for (const c of page.companies) {
        const tag = byKey.get("company:" + c.name);
        if (tag) tag.evidence = tag.evidence.concat(c.evidence);
      }
      next += limit;
      marks();
    } catch (e) {
      showError(e);
    } finally {
      more.disabled = false;
    }
  });
  const meta = $("a-meta");
  meta.replaceChildren(
    el("span", { class: "date", text: dateOf(a.published_at) }),
    " · ",
    el("span", { class: "source", text: a.source || "-" }),
  );
  if (a.copies > 1) meta.append(" · ", el("span", { class: "copies", text: `${a.copies} 篇转载`, title: `${a.copies} copies of this story` }));
  if (a.url && /^https?:\/\//.test(a.url)) {
    meta.append(" · ", el("a", { href: a.url, text: "原文", title: a.url, rel: "noopener noreferrer", target: "_blank" }));
  }
  meta.append(" · ", el("span", { class: "id", text: a.id, title: "id" }));
  const chips = $("a-chips");
  chips.replaceChildren();
  jumpAt = new Map();
  for (const t of tags) {
    const b = el("button", {
      type: "button",
      class: `chip ${t.kind} c${t.colour}`,
      text: `${t.label} ×${t.mentions}`,
      title: `${t.en} · ${t.mentions} mention(s): click to jump`,
      "data-kind": t.kind,
      "data-key": t.key,
    });
    b.addEventListener("click", () => jumpTo(t.kind + ":" + t.key));
    chips.append(b);
  }
  chips.append(more);
  // the text keeps its offsets: paragraphs show through CSS (white-space: pre-wrap)
  marks();
}

function jumpTo(tag) {
  const marks = [...document.querySelectorAll("mark.ev")].filter((m) =>
    m.getAttribute("data-tags").split("|").includes(tag),
  );
  if (!marks.length) return;
  const i = (jumpAt.get(tag) || 0) % marks.length;
  jumpAt.set(tag, i + 1);
  for (const m of document.querySelectorAll("mark.current")) m.classList.remove("current");
  marks[i].classList.add("current");
  marks[i].scrollIntoView({ block: "center" });
}

let chart = null;

async function renderTrends(s) {
  showView("trends");
  const themes = (s.get("themes") || "").split(",").filter(Boolean);
  const interval = s.get("interval") || "day";
  const measure = s.get("measure") || "share";
  $("t-interval").value = interval;
  $("t-measure").value = measure;
  for (const o of $("t-themes").options) o.selected = themes.includes(o.value);
  const filter = new URLSearchParams();
  for (const k of ["q", "source", "since", "until"]) if (s.get(k)) filter.set(k, s.get(k));
  const tp = new URLSearchParams(filter);
  tp.set("interval", interval);
  if (themes.length) themes.forEach((t) => tp.append("theme", t));
  else tp.set("top", "5");
  const [t, alerts, co] = await Promise.all([
    api("/api/trends", tp),
    api("/api/alerts", (() => { const p = new URLSearchParams(filter); p.delete("since"); return p; })()),
    api("/api/cooccur", (() => { const p = new URLSearchParams(filter); p.set("limit", "20"); p.set("min_articles", "2"); return p; })()),
  ]);
  drawChart(t, measure);
  drawAlerts(alerts);
  drawCooccur(co);
}

function drawChart(t, measure) {
  const rows = t.series; // the long format: one row per bucket and series
  const keys = [];
  const names = new Map();
  for (const r of rows) if (!names.has(r.key)) { names.set(r.key, r.name); keys.push(r.key); }
  const buckets = [...new Set(rows.map((r) => r.bucket))];
  const xs = buckets.map((b) => Date.parse(b + "T00:00:00Z") / 1000);
  const cell = new Map(rows.map((r) => [r.bucket + "\u0000" + r.key, r]));
  const data = [xs];
  for (const k of keys) {
    data.push(buckets.map((b) => {
      const r = cell.get(b + "\u0000" + k);
      return r ? (measure === "share" ? r.share * 100 : r.articles) : null;
    }));
  }
  const box = $("chart");
  box.setAttribute("data-series", keys.join(","));
  box.setAttribute("data-buckets", String(buckets.length));
  if (chart) { chart.destroy(); chart = null; }
  box.replaceChildren();
  const colours = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  const opts = {
    width: Math.max(480, Math.min(1100, box.clientWidth || 900)),
    height: 360,
    title: measure === "share" ? "题材文章占比 (%)" : "题材文章数",
    scales: { x: { time: true } },
    series: [
      { label: "日期", value: (u, v) => v == null ? "-" : new Date(v * 1e3).toISOString().slice(0, 10) },
      ...keys.map((k, i) => ({ label: names.get(k), stroke: colours[i % colours.length], width: 2, value: (u, v) => v == null ? "-" : (measure === "share" ? v.toFixed(1) + "%" : String(v)) })),
    ],
    // buckets are calendar days (a week's Monday, a month's first day): the
    // x axis ticks on buckets only, never on hours, and reads them in UTC,
    // where their timestamps were made, whatever the browser's time zone
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
    axes: [
      {
        space: 70,
        splits: (u) => bucketTicks(xs, u.bbox.width / devicePixelRatio),
        values: (u, splits) => splits.map((v) => bucketLabel(v, t.interval)),
      },
      { label: measure === "share" ? "%" : "篇" },
    ],
  };
  if (typeof uPlot === "undefined") {
    box.textContent = "uPlot failed to load";
    return;
  }
  chart = new uPlot(opts, data, box);
}

// every k-th bucket, k the smallest step that leaves 70 px per label
function bucketTicks(xs, width) {
  const fit = Math.max(1, Math.floor(width / 70));
  const step = Math.max(1, Math.ceil(xs.length / fit));
  return xs.filter((_, i) => i % step === 0);
}

// a bucket's label: 2026-07 for months, 07-06 for days and weeks
function bucketLabel(secs, interval) {
  const iso = new Date(secs * 1e3).toISOString();
  return interval === "month" ? iso.slice(0, 7) : iso.slice(5, 10);
}

function drawAlerts(a) {
  const box = $("alerts");
  box.replaceChildren();
  box.append(el("p", { class: "meta", text: `${a.bucket}（${a.total} 篇；对比此前 ${a.window} 个${a.interval === "day" ? "日" : a.interval === "week" ? "周" : "月"}）`, title: `latest ${a.interval} ${a.bucket}, window ${a.window}` }));
  if (!a.alerts.length) {
    box.append(el("p", { class: "none", text: "暂无升温题材", title: "No rising theme" }));
    return;
  }
  for (const al of a.alerts) {
    const th = THEME_BY_ID.get(al.theme);
    const item = el("div", { class: "alert", "data-theme": al.theme });
    item.append(el("h4", { text: `${al.name} ${al.count} 篇（预期 ${al.expected.toFixed(1)}，得分 ${al.score.toFixed(1)}）`, title: `${th ? th.name_en : al.theme}: ${al.count} articles, expected ${al.expected.toFixed(1)}, score ${al.score.toFixed(1)}` }));
    const ul = el("ul");
    for (const e of al.evidence) {
      ul.append(el("li", {},
        el("a", { href: "#" + withView("article", { id: e.id }).toString(), text: e.title || "（无标题）" }),
        el("span", { class: "meta", text: ` ${dateOf(e.published_at)} · ${e.source || "-"}` }),
        e.sentence ? el("q", { text: e.sentence.trim() }) : null));
    }
    item.append(ul);
    box.append(item);
  }
}

function drawCooccur(c) {
  const body = $("cooccur").tBodies[0];
  body.replaceChildren();
  for (const p of c.pairs) {
    body.append(el("tr", {},
      el("td", { text: p.a_name, title: p.a_key }),
      el("td", { text: p.b_name, title: p.b_code || p.b_key }),
      el("td", { text: String(p.articles) }),
      el("td", { text: p.lift.toFixed(2) })));
  }
  if (!c.pairs.length) body.append(el("tr", {}, el("td", { colSpan: 4, text: "暂无", title: "none" })));
}

// ---- wiring ----------------------------------------------------------------

let rendering = 0;

async function render() {
  const s = state();
  formFromState(s);
  showError(null);
  const n = ++rendering;
  try {
    const view = s.get("view") || "search";
    if (view === "article") await renderArticle(s);
    else if (view === "trends") await renderTrends(s);
    else await renderSearch(s);
  } catch (e) {
    if (n === rendering) showError(e);
  }
  if (n === rendering) document.body.setAttribute("data-ready", String(n));
}

function init() {
  $("filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = state();
    const view = s.get("view") === "trends" ? "trends" : "search";
    const p = withView(view, filtersFromForm());
    if (view === "trends") for (const k of ["themes", "interval", "measure"]) if (s.get(k)) p.set(k, s.get(k));
    go(p);
  });
  $("prev").addEventListener("click", () => {
    const s = state();
    s.set("offset", String(Math.max(0, (parseInt(s.get("offset") || "0", 10) || 0) - PAGE)));
    go(s);
  });
  $("next").addEventListener("click", () => {
    const s = state();
    s.set("offset", String((parseInt(s.get("offset") || "0", 10) || 0) + PAGE));
    go(s);
  });
  $("back").addEventListener("click", () => history.back());
  $("t-go").addEventListener("click", () => {
    const s = state();
    const p = withView("trends", filtersFromForm());
    const picked = [...$("t-themes").selectedOptions].map((o) => o.value);
    if (picked.length) p.set("themes", picked.join(","));
    p.set("interval", $("t-interval").value);
    p.set("measure", $("t-measure").value);
    s.delete("offset");
    go(p);
  });
  $("nav-trends").addEventListener("click", (ev) => {
    ev.preventDefault();
    const p = withView("trends", filtersFromForm());
    p.delete("sort");
    p.delete("theme");
    p.delete("company");
    go(p);
  });
  $("nav-search").addEventListener("click", (ev) => {
    ev.preventDefault();
    go(withView("search", filtersFromForm()));
  });
  window.addEventListener("hashchange", render);
  Promise.all([loadThemes().catch(showError), loadStats()]).then(render);
}

document.addEventListener("DOMContentLoaded", init);
