// The region map without its map libraries (map.js falls back to it when Leaflet is not installed): an SVG
// drawn from the region's own coordinates and roads (no map tiles, works offline).
// Providers are markers coloured by availability for the care type chosen in the board's filter;
// markers are focusable buttons: click, Enter or Space shows that provider's entries below the map.

import { fill, onActivate, s } from "./dom.js";
import { markerState, markerWords, providerDetail, townsOf } from "./mapcommon.js";

const WIDTH = 640;
const MAX_HEIGHT = 720;
const PAD = 36;
const MARKER_R = 11;

export class SvgMap {
  constructor({ canvas, detail, store, careType }) {
    this.canvas = canvas;
    this.detail = detail;
    this.store = store;
    this.careType = careType; // () => the selected care type id or null
    this.markers = new Map();
    this.providers = [];
    this.selected = null;
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
          { class: `road tier-${r.tier || "access"}`, x1, y1, x2, y2 },
          s("title", {}, `${byId.get(r.from).name ?? r.from} – ${byId.get(r.to).name ?? r.to}: ${r.minutes} min`),
        );
      });
    // Road junctions and provider sites get no label (the markers name the providers).
    const places = townsOf(this.mapData).map((l) => {
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

  stateOf(providerId) {
    return markerState(this.store, this.careType(), providerId);
  }

  recolour() {
    if (!this.mapData) return;
    for (const [pid, m] of this.markers) {
      const st = this.stateOf(pid);
      const p = m.provider;
      const words = markerWords(p, st);
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
    fill(this.detail, providerDetail(m.provider, this.store, "map-detail-h"));
  }
}
