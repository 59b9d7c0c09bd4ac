// briefs search page. All state lives in the URL (q, actor, section, since,
// until, sort, page, brief), so a search can be shared and Back / Forward replay it. Text from
// briefs is only ever inserted with textContent, never parsed as HTML.
"use strict";

const PAGE_SIZE = 10;
const TOP_VALUES = 10;
const DEBOUNCE_MS = 250;
const KIND_LABELS = { country: "Countries", person: "People", org: "Organisations", group: "Groups" };
const SECTIONS = [
  ["title", "Title"], ["summary", "Summary"], ["caption", "Caption"],
  ["takeaway", "Key Takeaways"], ["analysis", "Strategic Analysis"], ["body", "Body"],
];
// Bidirectional overrides and isolates: shown as visible markers, so text
// from a brief cannot reorder what surrounds it.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

const $ = (id) => document.getElementById(id);
const expanded = new Set(); // facet kinds showing all values
let requestSeq = 0;
let typingEntry = false; // the history entry being typed into already exists

// ---- URL state ----------------------------------------------------------

function readState() {
  const p = new URLSearchParams(location.search);
  const page = parseInt(p.get("page") || "1", 10);
  return {
    q: p.get("q") || "",
    actors: p.getAll("actor"),
    sections: p.getAll("section"),
    page: Number.isFinite(page) && page > 0 ? page : 1,
    brief: p.get("brief") || "",
    sort: p.get("sort") || "",
    since: p.get("since") || "",
    until: p.get("until") || "",
  };
}

function urlOf(state) {
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  for (const a of state.actors) p.append("actor", a);
  for (const s of state.sections) p.append("section", s);
  if (state.since) p.set("since", state.since);
  if (state.until) p.set("until", state.until);
  if (state.sort) p.set("sort", state.sort);
  if (state.page > 1) p.set("page", String(state.page));
  if (state.brief) p.set("brief", state.brief);
  const qs = p.toString();
  return qs ? "/?" + qs : "/";
}

function go(state, replace) {
  const url = urlOf(state);
  if (url !== location.pathname + location.search) {
    if (replace) history.replaceState(null, "", url);
    else history.pushState(null, "", url);
  }
  render();
}

// ---- Text helpers ---------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    node.append(typeof c === "string" ? safeText(c) : c);
  }
  return node;
}

// Text as a fragment: bidi controls become visible markers.
function safeText(text) {
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const m of text.matchAll(BIDI_CONTROLS)) {
    if (m.index > at) frag.append(document.createTextNode(text.slice(at, m.index)));
    const code = m[0].codePointAt(0).toString(16).toUpperCase();
    frag.append(el("span", { class: "control", title: "a bidirectional control character" }, "U+" + code));
    at = m.index + m[0].length;
  }
  if (at < text.length) frag.append(document.createTextNode(text.slice(at)));
  return frag;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Text with <mark> around the byte ranges (UTF-8, as the API gives them).
function highlighted(tag, attrs, text, ranges) {
  const node = el(tag, attrs);
  node.classList.add("text");
  node.setAttribute("dir", "auto");
  const bytes = encoder.encode(text || "");
  let at = 0;
  for (const [from, to] of ranges || []) {
    if (from < at || to > bytes.length || from >= to) continue;
    node.append(safeText(decoder.decode(bytes.subarray(at, from))));
    node.append(el("mark", {}, decoder.decode(bytes.subarray(from, to))));
    at = to;
  }
  node.append(safeText(decoder.decode(bytes.subarray(at))));
  return node;
}

function showError(message) {
  const box = $("error");
  box.textContent = "";
  if (message) box.append(safeText(message));
  box.hidden = !message;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok) {
    throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
  }
  return body;
}

// ---- Rendering --------------------------------------------------------------

function render() {
  const state = readState();
  const box = $("q");
  if (document.activeElement !== box || box.value.trim() !== state.q.trim()) box.value = state.q;
  document.title = state.brief ? "briefs — brief" : state.q ? `briefs — ${state.q}` : "briefs";
  renderSections(state);
  $("sort").value = state.sort;
  for (const key of ["since", "until"]) {
    if (document.activeElement !== $(key)) $(key).value = state[key];
  }
  if (state.brief) return renderBrief(state);
  $("brief").hidden = true;
  $("hits").hidden = false;
  return renderSearch(state);
}

function refocus(id) {
  if (!id) return;
  const node = document.getElementById(id);
  if (node) node.focus();
}

function renderSections(state) {
  const focusId = document.activeElement && document.activeElement.id;
  const box = $("sections");
  box.querySelectorAll("ul").forEach((n) => n.remove());
  const list = el("ul");
  for (const [name, label] of SECTIONS) {
    const id = "section-" + name;
    const input = el("input", { type: "checkbox", id, value: name, checked: state.sections.includes(name) });
    input.addEventListener("change", () => {
      const s = readState();
      s.sections = input.checked ? [...s.sections, name] : s.sections.filter((x) => x !== name);
      s.page = 1;
      s.brief = "";
      typingEntry = false;
      go(s, false);
    });
    list.append(el("li", {}, input, el("label", { for: id }, label)));
  }
  box.append(list);
  refocus(focusId);
}

async function renderSearch(state) {
  const seq = ++requestSeq;
  const status = $("status");
  if (!state.q.trim()) {
    showError("");
    $("hits").replaceChildren();
    $("facets").replaceChildren();
    $("pager").hidden = true;
    try {
      const info = await getJSON("/api/status");
      if (seq === requestSeq) status.textContent = `${info.briefs} briefs in ${info.index} — type to search.`;
    } catch (e) {
      if (seq === requestSeq) showError(e.message);
    }
    return;
  }
  const p = new URLSearchParams({
    q: state.q, limit: String(PAGE_SIZE), offset: String((state.page - 1) * PAGE_SIZE),
    facets: "true", any_within_kind: "true",
  });
  for (const a of state.actors) p.append("actor", a);
  for (const s of state.sections) p.append("section", s);
  if (state.since) p.set("since", state.since);
  if (state.until) p.set("until", state.until);
  if (state.sort) p.set("sort", state.sort);
  let data;
  try {
    data = await getJSON("/api/search?" + p.toString());
  } catch (e) {
    if (seq !== requestSeq) return;
    showError(e.message);
    status.textContent = "";
    $("hits").replaceChildren();
    $("pager").hidden = true;
    return;
  }
  if (seq !== requestSeq) return; // a newer search answered first
  showError("");
  const sum = data.summary;
  const first = (state.page - 1) * PAGE_SIZE + 1;
  const shown = data.hits.length
    ? `, showing ${first}–${first + data.hits.length - 1}` : "";
  status.textContent = `${sum.exact === false ? "about " : ""}${sum.passages} passage${sum.passages === 1 ? "" : "s"} in ${sum.briefs} brief${sum.briefs === 1 ? "" : "s"}${shown} (${sum.elapsed_ms} ms)`;
  renderHits(state, data.hits);
  renderFacets(state, data.facet_kinds || []);
  renderPager(state, data);
}

function renderHits(state, hits) {
  const list = $("hits");
  list.replaceChildren();
  for (const hit of hits) {
    const target = urlOf({ ...state, brief: hit.brief_id, page: state.page });
    const title = el("h2", {}, el("a", { href: target, "data-nav": true, class: "text", dir: "auto" }, hit.title || hit.brief_id));
    const meta = el("p", { class: "meta" },
      el("span", { class: "label" }, hit.label),
      hit.date ? " · " + hit.date : "",
      " · ", el("bdi", {}, hit.path));
    const item = el("li", { class: "hit", "data-brief": hit.brief_id }, title, meta,
      highlighted("p", { class: "snippet" }, hit.snippet, hit.highlights));
    if (hit.more > 0) item.append(el("p", { class: "more" }, `+${hit.more} more in this brief`));
    list.append(item);
  }
}

function renderFacets(state, kinds) {
  const focusId = document.activeElement && document.activeElement.id;
  const box = $("facets");
  box.replaceChildren();
  for (const group of kinds) {
    if (!group.values.length) continue;
    const all = expanded.has(group.kind);
    const fieldset = el("fieldset", { class: "group", "data-kind": group.kind });
    fieldset.append(el("legend", {}, KIND_LABELS[group.kind] || group.kind));
    const shownValues = all ? group.values
      : group.values.filter((v, i) => i < TOP_VALUES || v.selected);
    const list = el("ul");
    for (const v of shownValues) {
      const id = "actor-" + v.actor;
      const input = el("input", { type: "checkbox", id, value: v.actor, checked: v.selected });
      input.addEventListener("change", () => toggleActor(v.actor, input.checked));
      list.append(el("li", {}, input,
        el("label", { for: id }, el("bdi", {}, v.name)),
        el("span", { class: "count", "aria-label": `${v.briefs} briefs` }, String(v.briefs))));
    }
    fieldset.append(list);
    if (group.values.length > TOP_VALUES) {
      fieldset.append(el("p", { class: "of" },
        all ? `all ${group.total}` : `top ${TOP_VALUES} of ${group.total}`));
      const button = el("button", { type: "button", "aria-expanded": String(all) },
        all ? "Show fewer" : `Show all ${group.total}`);
      button.addEventListener("click", () => {
        if (all) expanded.delete(group.kind); else expanded.add(group.kind);
        renderFacets(readState(), kinds);
        const again = box.querySelector(`fieldset[data-kind="${group.kind}"] button`);
        if (again) again.focus();
      });
      fieldset.append(button);
    }
    box.append(fieldset);
  }
  refocus(focusId);
}

function toggleActor(actor, on) {
  const s = readState();
  s.actors = on ? [...s.actors.filter((a) => a !== actor), actor] : s.actors.filter((a) => a !== actor);
  s.page = 1;
  s.brief = "";
  typingEntry = false;
  go(s, false);
}

function renderPager(state, data) {
  const pager = $("pager");
  const passages = data.summary.passages;
  const hasPrev = state.page > 1;
  const hasNext = data.hits.length === PAGE_SIZE && state.page * PAGE_SIZE < passages;
  pager.hidden = !hasPrev && !hasNext;
  const set = (a, on, page) => {
    if (on) { a.setAttribute("href", urlOf({ ...state, page })); a.removeAttribute("aria-disabled"); }
    else { a.removeAttribute("href"); a.setAttribute("aria-disabled", "true"); }
  };
  set($("prev"), hasPrev, state.page - 1);
  set($("next"), hasNext, state.page + 1);
  $("page-of").textContent = `page ${state.page}`;
}

async function renderBrief(state) {
  const seq = ++requestSeq;
  const view = $("brief");
  $("hits").hidden = true;
  $("pager").hidden = true;
  $("status").textContent = "";
  let url = "/api/briefs/" + encodeURIComponent(state.brief);
  if (state.q.trim()) url += "?q=" + encodeURIComponent(state.q);
  let b;
  try {
    b = await getJSON(url);
  } catch (e) {
    if (seq !== requestSeq) return;
    view.replaceChildren(backLink(state));
    view.hidden = false;
    showError(e.message);
    return;
  }
  if (seq !== requestSeq) return;
  showError("");
  const h = b.highlights || {};
  view.replaceChildren(backLink(state));
  view.append(highlighted("h1", {}, b.title || b.id, h.title));
  const meta = el("p", { class: "meta" });
  const parts = [];
  if (b.date) parts.push(b.date);
  if (b.source) parts.push(b.source);
  parts.push(b.path);
  meta.append(el("bdi", {}, parts.join(" · ")));
  if (b.url) {
    meta.append(" · ");
    meta.append(safeUrl(b.url));
  }
  view.append(meta);
  if (b.actors && b.actors.length) {
    const chips = el("ul", { class: "chips", "aria-label": "Actors" });
    for (const a of b.actors) {
      const name = a.split("/").pop();
      const target = urlOf({ q: state.q || "*", actors: [a], sections: [], page: 1, brief: "", sort: "", since: "", until: "" });
      chips.append(el("li", {}, el("a", { href: target, "data-nav": true, title: a }, el("bdi", {}, name))));
    }
    view.append(chips);
  }
  if (b.summary) view.append(highlighted("p", { class: "lede" }, b.summary, h.summary));
  if (b.caption) view.append(highlighted("p", { class: "caption" }, b.caption, h.caption));
  if (b.takeaways && b.takeaways.length) {
    view.append(el("h3", {}, "Key Takeaways"));
    const ol = el("ol");
    b.takeaways.forEach((t, i) => ol.append(highlighted("li", {}, t, (h.takeaways || [])[i])));
    view.append(ol);
  }
  if (b.analysis) {
    view.append(el("h3", {}, "Strategic Analysis"));
    view.append(highlighted("p", {}, b.analysis, h.analysis));
  }
  if (b.body && b.body.length) {
    view.append(el("h3", {}, "Body"));
    b.body.forEach((t, i) => view.append(highlighted("p", {}, t, (h.body || [])[i])));
  }
  view.hidden = false;
  document.title = `briefs — ${b.title || b.id}`;
  const firstMark = view.querySelector("mark");
  if (firstMark && firstMark.closest("h1") === null) firstMark.scrollIntoView({ block: "center" });
  else window.scrollTo(0, 0);
}

function backLink(state) {
  const back = el("a", { href: urlOf({ ...state, brief: "" }), "data-nav": true, class: "back" },
    state.q ? "← Back to results" : "← Search");
  return el("p", {}, back);
}

// A link only for http(s) addresses; anything else (javascript:, data:) is text.
function safeUrl(text) {
  let parsed = null;
  try { parsed = new URL(text); } catch (_) { /* not a URL */ }
  if (parsed && (parsed.protocol === "http:" || parsed.protocol === "https:")) {
    return el("a", { href: parsed.href, rel: "noopener noreferrer nofollow", target: "_blank" }, el("bdi", {}, text));
  }
  return el("bdi", { class: "unsafe-url" }, text);
}

// ---- Events -------------------------------------------------------------------

let debounce = 0;

function searchNow(commit) {
  clearTimeout(debounce);
  const s = readState();
  const q = $("q").value;
  if (q === s.q && !s.brief && !commit) return;
  const next = { ...s, q, page: 1, brief: "" };
  // Typing replaces one history entry; Enter ends it.
  go(next, typingEntry);
  typingEntry = !commit;
}

function init() {
  $("q").addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => searchNow(false), DEBOUNCE_MS);
  });
  $("search").addEventListener("submit", (e) => {
    e.preventDefault();
    searchNow(true);
  });
  document.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-nav]");
    if (!a || !a.getAttribute("href") || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    typingEntry = false;
    history.pushState(null, "", a.getAttribute("href"));
    render();
    $("results").focus({ preventScroll: true });
  });
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    const editing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t.isContentEditable;
    if (e.key === "/" && !editing && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      $("q").focus();
      $("q").select();
    } else if (e.key === "Escape" && t === $("q") && $("q").value) {
      $("q").value = "";
      searchNow(true);
    }
  });
  $("sort").addEventListener("change", () => {
    typingEntry = false;
    go({ ...readState(), sort: $("sort").value, page: 1, brief: "" }, false);
  });
  for (const key of ["since", "until"]) {
    $(key).addEventListener("change", () => {
      typingEntry = false;
      go({ ...readState(), [key]: $(key).value.trim(), page: 1, brief: "" }, false);
    });
  }
  window.addEventListener("popstate", () => { typingEntry = false; render(); });
  if (window.matchMedia("(max-width: 720px)").matches) $("filters-box").open = false;
  render();
  if (!readState().brief) $("q").focus();
}

init();
