// The live capacity board: a store of entries kept current from the stream, and its table view.
// Ages and staleness advance in the page between events: each entry remembers when it arrived, so
// "updated 4 min ago" and "verouderd" stay right without trusting the browser's clock against the server's.

import { KIND_ORDER, careTypeName, fill, fmtAge, fmtTime, h, kindLabel, listKeys, roveStart } from "./dom.js";

const key = (providerId, careType) => `${providerId}|${careType}`;

/** The entries of the board, with change notifications ("change" events, detail {keys|all}). */
export class BoardStore extends EventTarget {
  constructor() {
    super();
    this.records = new Map();
    this.degraded = false;
    this.loaded = false;
    // Ages and staleness move on between events: one "tick" for every view, so they agree.
    setInterval(() => this.dispatchEvent(new Event("tick")), 10_000);
  }

  setAll(entries, degraded) {
    const now = Date.now();
    this.records = new Map(entries.map((e) => [key(e.provider_id, e.care_type), { e, at: now }]));
    this.degraded = Boolean(degraded);
    this.loaded = true;
    this.dispatchEvent(new CustomEvent("change", { detail: { all: true } }));
  }

  setOne(entry) {
    const k = key(entry.provider_id, entry.care_type);
    const known = this.records.has(k);
    this.records.set(k, { e: entry, at: Date.now() });
    this.dispatchEvent(new CustomEvent("change", { detail: { all: !known, keys: [k] } }));
  }

  setDegraded(degraded) {
    this.degraded = Boolean(degraded);
    this.dispatchEvent(new CustomEvent("health", { detail: { degraded: this.degraded } }));
  }

  get(providerId, careType) {
    const rec = this.records.get(key(providerId, careType));
    return rec ? view(rec) : null;
  }

  all(now = Date.now()) {
    // Not .map(view): map passes the index as the second argument, which view takes for "now".
    return [...this.records.values()].map((rec) => view(rec, now));
  }

  careTypes() {
    return [...new Set([...this.records.values()].map((r) => r.e.care_type))];
  }
}

/** One entry as it reads now: age and staleness advanced since it arrived, the stop only while it runs. */
export function view(rec, now = Date.now()) {
  const e = rec.e;
  const elapsed = (now - rec.at) / 1000;
  const age = e.age_seconds === null || e.age_seconds === undefined ? null : e.age_seconds + elapsed;
  let stale = Boolean(e.stale) || age === null;
  if (!stale && e.valid_until && e.reported_at) {
    const validFor = (Date.parse(e.valid_until) - Date.parse(e.reported_at)) / 1000;
    if (Number.isFinite(validFor) && age >= validFor) stale = true;
  }
  let stop = e.stop ?? null;
  if (stop?.until && Date.parse(stop.until) <= now) stop = null;
  let free = null;
  if (!stale) free = stop ? 0 : Math.max(0, (e.available ?? 0) - (e.held ?? 0));
  let status = "free";
  if (stop) status = "stop";
  else if (stale) status = "stale";
  else if (free <= 0) status = "full";
  return { ...e, age, stale, stop, free, status };
}

const STATUS_TEXT = { free: "open", full: "vol", stale: "verouderd", stop: "stop" };

// The filters stay put across reloads and stream updates (this browser only; they hold no patient data).
const FILTER_KEY = "zcc.board.filters";

function savedFilters() {
  try {
    return JSON.parse(localStorage.getItem(FILTER_KEY) ?? "{}") ?? {};
  } catch {
    return {};
  }
}

/** The board's tables, grouped by kind and care type, with the filters. */
export class BoardView {
  constructor({ store, body, summary, careFilter, kindFilter, onFilter }) {
    this.store = store;
    this.body = body;
    this.summary = summary;
    this.careFilter = careFilter;
    this.kindFilter = kindFilter;
    this.onFilter = onFilter;
    this.rows = new Map();
    this.sums = [];
    this.closedKinds = new Set();
    this.knownCareTypes = "";
    // The care type asked for stays wanted while the board has not (yet) got it, e.g. before it loads.
    this.wanted = savedFilters();
    store.addEventListener("change", (ev) => {
      if (ev.detail.all) this.render();
      else this.update(ev.detail.keys, true);
    });
    for (const select of [careFilter, kindFilter]) {
      select.addEventListener("change", () => {
        this.wanted = { care: careFilter.value, kind: kindFilter.value };
        try {
          localStorage.setItem(FILTER_KEY, JSON.stringify(this.wanted));
        } catch {
          // private mode without storage: the filters still work, they are only not kept
        }
        this.render();
        this.onFilter?.();
      });
    }
    fill(kindFilter, h("option", { value: "" }, "Alle soorten"), KIND_ORDER.map((k) => h("option", { value: k }, kindLabel(k))));
    kindFilter.value = KIND_ORDER.includes(this.wanted.kind) ? this.wanted.kind : "";
    store.addEventListener("tick", () => this.update());
    listKeys(body, "tr[data-rove]");
  }

  get careType() {
    return this.careFilter.value || null;
  }

  get kind() {
    return this.kindFilter.value || null;
  }

  syncCareTypeOptions() {
    const ids = this.store.careTypes();
    ids.sort((a, b) => careTypeName(a).localeCompare(careTypeName(b), "nl"));
    const signature = ids.join(",");
    if (signature === this.knownCareTypes) return;
    this.knownCareTypes = signature;
    const current = this.wanted.care ?? this.careFilter.value;
    fill(
      this.careFilter,
      h("option", { value: "" }, "Alle zorgsoorten"),
      ids.map((id) => h("option", { value: id }, careTypeName(id))),
    );
    this.careFilter.value = ids.includes(current) ? current : "";
  }

  render() {
    // The row with keyboard focus keeps it through a re-render (a stream update).
    const focused = this.body.contains(document.activeElement) ? document.activeElement.closest?.("tr[data-rove]")?.dataset.key : null;
    const roving = this.body.querySelector('tr[data-rove][tabindex="0"]')?.dataset.key ?? null;
    this.renderRows();
    const start = roveStart(this.body, focused ?? roving);
    if (focused && start?.dataset.key === focused) start.focus({ preventScroll: true });
  }

  renderRows() {
    this.syncCareTypeOptions();
    const entries = this.store
      .all()
      .filter((e) => (!this.careType || e.care_type === this.careType) && (!this.kind || e.kind === this.kind));
    this.rows.clear();
    this.sums = [];
    if (!this.store.loaded) {
      fill(this.body, h("p", { class: "muted" }, "Het bord wordt geladen…"));
      return;
    }
    if (!entries.length) {
      fill(this.body, h("p", { class: "muted" }, "Geen capaciteit bij deze filters."));
      this.writeSummary(entries);
      return;
    }
    const byKind = new Map();
    for (const e of entries) {
      if (!byKind.has(e.kind)) byKind.set(e.kind, new Map());
      const byType = byKind.get(e.kind);
      if (!byType.has(e.care_type)) byType.set(e.care_type, []);
      byType.get(e.care_type).push(e);
    }
    const kinds = [...byKind.keys()].sort((a, b) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b));
    fill(
      this.body,
      kinds.map((kind) => this.kindSection(kind, byKind.get(kind))),
    );
    this.writeSummary(entries);
  }

  kindSection(kind, byType) {
    const types = [...byType.keys()].sort((a, b) => careTypeName(a).localeCompare(careTypeName(b), "nl"));
    const all = [...byType.values()].flat();
    const providers = new Set(all.map((e) => e.provider_id)).size;
    const count = h("span", { class: "kind-count" });
    this.sums.push({ el: count, keys: all.map((e) => [e.provider_id, e.care_type]), prefix: ` ${providers} ${providers === 1 ? "aanbieder" : "aanbieders"}, ` });
    const details = h(
      "details",
      { class: "kind", open: !this.closedKinds.has(kind), dataset: { kind } },
      h("summary", {}, h("span", { class: "kind-name" }, kindLabel(kind)), count),
      types.map((ct) => this.table(ct, byType.get(ct))),
    );
    details.addEventListener("toggle", () => {
      if (details.open) this.closedKinds.delete(kind);
      else this.closedKinds.add(kind);
    });
    return details;
  }

  table(careType, entries) {
    entries.sort((a, b) => (a.provider_name ?? a.provider_id).localeCompare(b.provider_name ?? b.provider_id, "nl"));
    const sum = h("span", { class: "ct-sum" });
    this.sums.push({ el: sum, keys: entries.map((e) => [e.provider_id, e.care_type]), prefix: " " });
    return h(
      "table",
      { class: "data board-table", dataset: { careType } },
      h("caption", {}, h("span", { class: "ct-name" }, careTypeName(careType)), sum),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Aanbieder"),
          h("th", { scope: "col", class: "num" }, "Vrij"),
          h("th", { scope: "col", class: "num" }, "Gereserveerd"),
          h("th", { scope: "col", class: "num" }, "Totaal"),
          h("th", { scope: "col" }, "Bijgewerkt"),
          h("th", { scope: "col" }, "Status"),
        ),
      ),
      h(
        "tbody",
        {},
        entries.map((e) => this.row(e)),
      ),
    );
  }

  row(e) {
    const cells = {
      name: h("th", { scope: "row", class: "provider" }),
      free: h("td", { class: "num free" }),
      held: h("td", { class: "num held" }),
      total: h("td", { class: "num total" }),
      age: h("td", { class: "age" }),
      status: h("td", { class: "status" }),
    };
    const tr = h(
      "tr",
      { dataset: { provider: e.provider_id, careType: e.care_type, key: `${e.provider_id}|${e.care_type}`, rove: "" }, tabindex: "-1" },
      Object.values(cells),
    );
    const rec = { tr, cells, signature: "" };
    this.rows.set(`${e.provider_id}|${e.care_type}`, rec);
    this.paint(rec, e);
    return tr;
  }

  /** Repaint rows in place (all, or the given keys); flash rows whose content changed by an event. */
  update(keys, flash = false) {
    const targets = keys ?? [...this.rows.keys()];
    for (const k of targets) {
      const rec = this.rows.get(k);
      const [pid, ct] = k.split("|");
      const e = this.store.get(pid, ct);
      if (!e) continue;
      if (!rec) {
        if (keys) this.render(); // an entry not shown yet: the grouping changes
        return;
      }
      const before = rec.signature;
      this.paint(rec, e);
      if (flash && before !== rec.signature && !rec.tr.classList.contains("flash")) {
        rec.tr.classList.add("flash");
        setTimeout(() => rec.tr.classList.remove("flash"), 1600);
      }
    }
    this.writeSummary();
  }

  paint(rec, e) {
    const { cells, tr } = rec;
    cells.name.textContent = e.provider_name ?? e.provider_id;
    cells.free.textContent = e.free === null ? "?" : String(e.free);
    cells.free.title = e.free === null ? "onbekend: melding verouderd" : `${e.available} gemeld vrij, ${e.held} gereserveerd`;
    cells.held.textContent = String(e.held ?? 0);
    cells.total.textContent = String(e.total ?? "—");
    cells.age.textContent = e.age === null ? "nooit gemeld" : e.age < 60 ? "zojuist" : `${fmtAge(e.age)} geleden`;
    cells.age.title = e.reported_at ? `gemeld om ${fmtTime(e.reported_at)}` : "";
    const status = [];
    if (e.status === "stop") {
      status.push(h("span", { class: "tag tag-stop" }, "Stop"), " ", e.stop.reason || "geen reden opgegeven");
      if (e.stop.until) status.push(h("span", { class: "until" }, ` · verwacht tot ${fmtTime(e.stop.until)}`));
      status.push(h("span", { class: "stop-scope" }, e.stop.care_type ? ` · alleen ${careTypeName(e.stop.care_type)}` : " · hele locatie"));
    } else {
      status.push(h("span", { class: `tag tag-${e.status}` }, STATUS_TEXT[e.status]));
    }
    if (e.stale && e.status === "stop") status.push(" ", h("span", { class: "tag tag-stale" }, "verouderd"));
    fill(cells.status, status);
    tr.className = `st-${e.status}${e.stale ? " is-stale" : ""}`;
    rec.signature = [e.free, e.held, e.total, e.status, e.stop?.reason, e.reported_at].join("|");
    tr.setAttribute("aria-label", `${e.provider_name ?? e.provider_id}, ${careTypeName(e.care_type)}: ${cells.free.textContent} vrij, ${cells.status.textContent}, ${cells.age.textContent}`);
  }

  writeSummary(entries) {
    for (const { el, keys, prefix } of this.sums) {
      const free = keys.reduce((n, [pid, ct]) => n + (this.store.get(pid, ct)?.free ?? 0), 0);
      el.textContent = `${prefix}${free} vrij`;
    }
    const list =
      entries ??
      this.store.all().filter((e) => (!this.careType || e.care_type === this.careType) && (!this.kind || e.kind === this.kind));
    const free = list.reduce((n, e) => n + (e.free ?? 0), 0);
    const stale = list.filter((e) => e.stale).length;
    const stops = list.filter((e) => e.stop).length;
    this.summary.textContent =
      `${list.length} regels · ${free} ${free === 1 ? "plek" : "plekken"} vrij` +
      (stale ? ` · ${stale} verouderd` : "") +
      (stops ? ` · ${stops} met stop` : "");
  }
}
