// The region map: an SVG drawn from the region's own coordinates and roads (no map tiles, works offline).
// Providers are markers coloured by availability for the care type chosen in the board's filter;
// markers are focusable buttons: click, Enter or Space shows that provider's entries below the map.

import { careTypeName, fill, fmtAge, fmtTime, h, kindLabel, onActivate, s } from "./dom.js";

const WIDTH = 640;
const MAX_HEIGHT = 720;
const PAD = 36;
const MARKER_R = 11;

const STATUS_WORDS = {
  free: "plek vrij",
  full: "vol",
  stop: "stop",
  stale: "verouderd, beschikbaarheid onbekend",
  none: "biedt deze zorgsoort niet",
};

export class RegionMap {
  constructor({ canvas, detail, store, careType }) {
    this.canvas = canvas;
    this.detail = detail;
    this.store = store;
    this.careType = careType; // () => the selected care type id or null
    this.markers = new Map();
    this.providers = [];
    this.selected = null;
    store.addEventListener("change", () => this.recolour());
    store.addEventListener("tick", () => this.recolour());
  }

  setData(mapData, providers) {
    this.mapData = mapData;
    this.providers = providers;
    this.render();
  }

  project() {
    const locs = this.mapData.locations;
    const lats = locs.map((l) => l.lat);
    const lons = locs.map((l) => l.lon);
    const minLat = Math.min(...lats);
    const maxLat = Math.max(...lats);
    const minLon = Math.min(...lons);
    const maxLon = Math.max(...lons);
    // Equirectangular around the region's middle latitude: fine at the size of a ROAZ region.
    const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
    const spanX = Math.max((maxLon - minLon) * k, 1e-6);
    const spanY = Math.max(maxLat - minLat, 1e-6);
    let scale = (WIDTH - 2 * PAD) / spanX;
    if (spanY * scale + 2 * PAD > MAX_HEIGHT) scale = (MAX_HEIGHT - 2 * PAD) / spanY;
    const height = Math.round(spanY * scale + 2 * PAD);
    const offsetX = (WIDTH - spanX * scale) / 2;
    return {
      height,
      xy: (lat, lon) => [offsetX + (lon - minLon) * k * scale, PAD + (maxLat - lat) * scale],
    };
  }

  render() {
    const { height, xy } = this.project();
    const byId = new Map(this.mapData.locations.map((l) => [l.id, l]));
    const roads = this.mapData.roads
      .filter((r) => byId.has(r.from) && byId.has(r.to))
      .map((r) => {
        const [x1, y1] = xy(byId.get(r.from).lat, byId.get(r.from).lon);
        const [x2, y2] = xy(byId.get(r.to).lat, byId.get(r.to).lon);
        return s(
          "line",
          { class: "road", x1, y1, x2, y2 },
          s("title", {}, `${byId.get(r.from).name} – ${byId.get(r.to).name}: ${r.minutes} min`),
        );
      });
    const places = this.mapData.locations.map((l) => {
      const [x, y] = xy(l.lat, l.lon);
      return s(
        "g",
        { class: "place" },
        s("circle", { cx: x, cy: y, r: 3.5 }),
        s("text", { x: x + 7, y: y - 7 }, l.name),
      );
    });
    // Several providers in one town sit in a small ring around it.
    const atLocation = new Map();
    for (const p of this.providers) {
      const id = p.location?.id ?? `${p.location?.lat},${p.location?.lon}`;
      if (!atLocation.has(id)) atLocation.set(id, []);
      atLocation.get(id).push(p);
    }
    this.markers.clear();
    const markers = [];
    const ordered = [...this.providers].sort((a, b) => b.location.lat - a.location.lat || a.location.lon - b.location.lon);
    for (const p of ordered) {
      const group = atLocation.get(p.location?.id ?? `${p.location?.lat},${p.location?.lon}`);
      let [x, y] = xy(p.location.lat, p.location.lon);
      if (group.length > 1) {
        const i = group.indexOf(p);
        const angle = -Math.PI / 2 + (2 * Math.PI * i) / group.length;
        const r = MARKER_R + 6 + group.length;
        x += r * Math.cos(angle);
        y += r * Math.sin(angle);
      }
      const label = s("text", { class: "marker-label", x: 0, y: 0, dy: "0.35em" });
      const title = s("title", {});
      const g = s(
        "g",
        {
          class: "marker",
          tabindex: 0,
          role: "button",
          transform: `translate(${x.toFixed(1)} ${y.toFixed(1)})`,
          dataset: { provider: p.id },
        },
        title,
        s("circle", { class: "ring", r: MARKER_R + 4 }),
        s("circle", { class: "dot", r: MARKER_R }),
        label,
      );
      onActivate(g, () => this.select(p.id));
      this.markers.set(p.id, { g, label, title, provider: p });
      markers.push(g);
    }
    const svg = s(
      "svg",
      {
        viewBox: `0 0 ${WIDTH} ${height}`,
        role: "group",
        "aria-label": `Kaart van ${this.mapData.region?.name ?? "de regio"}: ${this.providers.length} aanbieders`,
        class: "region-map",
      },
      s("g", { class: "roads" }, roads),
      s("g", { class: "places" }, places),
      s("g", { class: "markers" }, markers),
    );
    fill(this.canvas, svg);
    this.recolour();
  }

  /** The marker's state for the selected care type (or, without one, over all its care types). */
  stateOf(providerId) {
    const ct = this.careType();
    if (ct) {
      const e = this.store.get(providerId, ct);
      if (!e) return { status: "none", text: "", words: `${careTypeName(ct)}: ${STATUS_WORDS.none}` };
      return { status: e.status, text: markerText(e.status, e.free), words: `${careTypeName(ct)}: ${entryWords(e)}` };
    }
    const entries = this.store.all().filter((e) => e.provider_id === providerId);
    if (!entries.length) return { status: "stale", text: "?", words: "nog geen capaciteit bekend" };
    if (entries.some((e) => e.stop)) return { status: "stop", text: "!", words: `stop: ${entries.find((e) => e.stop).stop.reason}` };
    const free = entries.reduce((n, e) => n + (e.free ?? 0), 0);
    if (free > 0) return { status: "free", text: String(free), words: `${free} ${free === 1 ? "plek" : "plekken"} vrij over alle zorgsoorten` };
    if (entries.every((e) => e.stale)) return { status: "stale", text: "?", words: STATUS_WORDS.stale };
    return { status: "full", text: "0", words: "alles vol" };
  }

  recolour() {
    if (!this.mapData) return;
    for (const [pid, m] of this.markers) {
      const st = this.stateOf(pid);
      const p = m.provider;
      const words = `${p.name}, ${kindLabel(p.kind)} in ${p.location.name}: ${st.words}`;
      m.g.setAttribute("class", `marker st-${st.status}${this.selected === pid ? " selected" : ""}`);
      m.g.setAttribute("aria-label", words);
      m.g.setAttribute("aria-pressed", String(this.selected === pid));
      // A provider without the chosen care type stays clickable but leaves the tab order short.
      m.g.setAttribute("tabindex", st.status === "none" ? "-1" : "0");
      m.title.textContent = words;
      m.label.textContent = st.text;
    }
    if (this.selected) this.showDetail();
  }

  select(providerId) {
    this.selected = providerId;
    this.recolour();
  }

  showDetail() {
    const m = this.markers.get(this.selected);
    if (!m) return;
    const p = m.provider;
    const entries = this.store.all().filter((e) => e.provider_id === p.id);
    entries.sort((a, b) => careTypeName(a.care_type).localeCompare(careTypeName(b.care_type), "nl"));
    const stop = entries.find((e) => e.stop)?.stop;
    fill(
      this.detail,
      h("h3", { id: "map-detail-h" }, p.name),
      h("p", { class: "muted" }, `${kindLabel(p.kind)} · ${p.location.name}${p.hours ? ` · open ${p.hours}` : ""}`),
      stop
        ? h(
            "p",
            { class: "stop-line" },
            h("span", { class: "tag tag-stop" }, "Stop"),
            ` ${stop.reason}`,
            stop.until ? ` · verwacht tot ${fmtTime(stop.until)}` : "",
          )
        : null,
      h(
        "table",
        { class: "data", "aria-labelledby": "map-detail-h" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Zorgsoort"),
            h("th", { scope: "col", class: "num" }, "Vrij"),
            h("th", { scope: "col", class: "num" }, "Gereserveerd"),
            h("th", { scope: "col", class: "num" }, "Totaal"),
            h("th", { scope: "col" }, "Bijgewerkt"),
          ),
        ),
        h(
          "tbody",
          {},
          entries.map((e) =>
            h(
              "tr",
              { class: `st-${e.status}${e.stale ? " is-stale" : ""}`, dataset: { careType: e.care_type } },
              h("th", { scope: "row" }, careTypeName(e.care_type)),
              h("td", { class: "num" }, e.free === null ? "?" : String(e.free)),
              h("td", { class: "num" }, String(e.held ?? 0)),
              h("td", { class: "num" }, String(e.total ?? "—")),
              h("td", {}, e.stale ? `verouderd (${fmtAge(e.age)})` : `${fmtAge(e.age)} geleden`),
            ),
          ),
        ),
      ),
    );
  }
}

function markerText(status, free) {
  if (status === "stop") return "!";
  if (status === "stale") return "?";
  return String(free ?? 0);
}

function entryWords(e) {
  if (e.status === "stop") return `stop: ${e.stop.reason}`;
  if (e.status === "stale") return STATUS_WORDS.stale;
  if (e.status === "full") return "vol";
  return `${e.free} vrij`;
}
