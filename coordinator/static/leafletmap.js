// The region map on a real base map (Leaflet, with Leaflet.markercluster), and the intake view's map of one
// request. map.js loads this module only when the map libraries are installed.
//
// Base map: the tile URL the service is configured with (GET /api/v1/region/map, base_map.tiles; PDOK's
// BRT-Achtergrondkaart by default). Until a first tile arrives, and whenever none can be had (no network,
// no tile URL), the map shows its own offline base: the region's outline (the hull of its places and road
// nodes) and its roads, with the towns named. Markers sit at the providers' own coordinates, coloured by
// free / full / stop / stale for the care type chosen in the board's filter (with the number free, "!" or
// "?" on them: never colour alone), and clustered where they overlap; a cluster takes the colour of the
// best state inside it. Choosing a marker (click, or Tab and Enter) opens its capacity and contact.

import { careTypeName, fill, fmtMinutes, h, providerName } from "./dom.js";
import { STATUS_ORDER, markerState, markerWords, providerDetail, providerSummary, townsOf } from "./mapcommon.js";

const NOTES = {
  loading: "Achtergrondkaart laden…",
  tiles: "",
  offline: "De achtergrondkaart is niet bereikbaar: de kaart toont de regiogrens en de wegen.",
  none: "Geen achtergrondkaart ingesteld: de kaart toont de regiogrens en de wegen.",
};
// How long to wait for a first tile before saying the base map cannot be reached.
const TILE_WAIT_MS = 6000;
// Line widths of the offline roads by tier (the region file's motorway / main / access).
const ROAD_WEIGHT = { motorway: 4, main: 3, access: 2 };
// Up to this many roads are drawn as SVG paths (each one an element); more go on a canvas.
const SVG_ROADS = 4000;

/** The convex hull of [lat, lon] points (Andrew's monotone chain), as a ring of [lat, lon]. */
function hull(points) {
  const pts = [...points].sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  if (pts.length < 3) return pts;
  const cross = (o, a, b) => (a[1] - o[1]) * (b[0] - o[0]) - (a[0] - o[0]) * (b[1] - o[1]);
  const lower = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower.at(-2), lower.at(-1), p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper = [];
  for (const p of pts.reverse()) {
    while (upper.length >= 2 && cross(upper.at(-2), upper.at(-1), p) <= 0) upper.pop();
    upper.push(p);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/** A divIcon whose element carries a name (aria-label and title) and data attributes. */
function labelledIconClass(L) {
  return L.DivIcon.extend({
    createIcon(oldIcon) {
      const div = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      const label = this.options.label ?? "";
      div.setAttribute("aria-label", label);
      div.title = label;
      for (const [key, value] of Object.entries(this.options.data ?? {})) div.dataset[key] = String(value);
      if (this.options.pressed !== undefined) div.setAttribute("aria-pressed", String(this.options.pressed));
      return div;
    },
  });
}

function dutchControls(L, map) {
  L.control.zoom({ zoomInTitle: "Inzoomen", zoomOutTitle: "Uitzoomen" }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  map.attributionControl.setPrefix("Leaflet");
  map.on("popupopen", (ev) => {
    const close = ev.popup.getElement()?.querySelector(".leaflet-popup-close-button");
    close?.setAttribute("aria-label", "Sluiten");
    close?.setAttribute("title", "Sluiten");
  });
}

/** The base: tiles when they can be had, else (and until then) the region outline, roads and town names. */
function addBase(L, map, mapData, host, note) {
  const nodes = new Map(mapData.locations.map((n) => [n.id, n]));
  const ring = hull([...nodes.values()].map((n) => [n.lat, n.lon]));
  L.polygon(ring, {
    className: "region-outline",
    interactive: false,
    weight: 2,
    dashArray: "8 6",
    fillOpacity: 0.04,
  }).addTo(map);
  const roads = mapData.roads.filter((r) => nodes.has(r.from) && nodes.has(r.to));
  const renderer = roads.length > SVG_ROADS ? L.canvas({ padding: 0.3 }) : L.svg();
  const offline = L.layerGroup(
    roads.map((r) =>
      L.polyline(
        [
          [nodes.get(r.from).lat, nodes.get(r.from).lon],
          [nodes.get(r.to).lat, nodes.get(r.to).lon],
        ],
        { renderer, className: `offline-road tier-${r.tier || "access"}`, interactive: false, weight: ROAD_WEIGHT[r.tier] ?? 2 },
      ),
    ),
  );
  const towns = townsOf(mapData);
  for (const t of towns) {
    offline.addLayer(
      L.circleMarker([t.lat, t.lon], { radius: 3, className: "offline-town", interactive: false }).bindTooltip(t.name, {
        permanent: true,
        direction: "right",
        className: "town-label",
        offset: [4, 0],
      }),
    );
  }
  offline.addTo(map);
  // Town names that would overlap a bigger town's name are left out at this zoom.
  const declutter = () => {
    if (!map.hasLayer(offline)) return;
    const shown = [];
    const byPopulation = [...towns].sort((a, b) => (b.population ?? 0) - (a.population ?? 0));
    const tips = new Map();
    offline.eachLayer((l) => {
      const tip = l.getTooltip?.();
      if (tip) tips.set(tip.getContent(), tip.getElement());
    });
    for (const t of byPopulation) {
      const el = tips.get(t.name);
      if (!el) continue;
      el.style.visibility = "visible";
      const r = el.getBoundingClientRect();
      const overlaps = shown.some((o) => r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top);
      if (overlaps) el.style.visibility = "hidden";
      else shown.push(r);
    }
  };
  map.on("zoomend moveend", declutter);
  map.whenReady(() => setTimeout(declutter, 0));
  const set = (mode) => {
    host.dataset.base = mode;
    note.textContent = NOTES[mode];
    note.hidden = !NOTES[mode];
  };
  const tiles = mapData.base_map?.tiles;
  if (!tiles) {
    set("none");
    return;
  }
  set("loading");
  const attribution = mapData.base_map.attribution ?? "";
  const layer = L.tileLayer(tiles, { maxZoom: 19, referrerPolicy: "no-referrer" });
  let loaded = false;
  const offlineNow = () => {
    if (loaded) return;
    set("offline");
    map.attributionControl.removeAttribution(attribution); // not credited while not shown
  };
  layer.on("tileload", () => {
    if (loaded) return;
    loaded = true;
    map.removeLayer(offline); // the base map has its own roads and names
    if (attribution) map.attributionControl.addAttribution(attribution);
    set("tiles");
  });
  layer.on("tileerror", offlineNow);
  setTimeout(offlineNow, TILE_WAIT_MS);
  layer.addTo(map);
}

function regionBounds(L, mapData) {
  const pts = mapData.locations.map((n) => [n.lat, n.lon]);
  return L.latLngBounds(pts);
}

export class LeafletMap {
  constructor(L, { canvas, detail, store, careType, requestMap }) {
    this.L = L;
    this.canvas = canvas;
    this.detail = detail;
    this.store = store;
    this.careType = careType; // () => the selected care type id or null
    this.requestHost = requestMap;
    this.Icon = labelledIconClass(L);
    this.markers = new Map();
    this.selected = null;
    this.request = null;
  }

  destroy() {
    this.map?.remove();
    this.request?.destroy();
    this.map = null;
  }

  setData(mapData, providers) {
    const L = this.L;
    this.mapData = mapData;
    this.providers = providers;
    const name = mapData.region?.name ?? "de regio";
    const host = h("div", {
      class: "leaflet-host",
      id: "region-leaflet",
      role: "region",
      "aria-label": `Kaart van ${name}: ${providers.length} aanbieders. Pijltjestoetsen verschuiven de kaart.`,
    });
    const note = h("p", { class: "map-note", id: "map-base-note", role: "status" });
    fill(this.canvas, host, note);
    // Fractional zoom steps let the region fill the map (a ROAZ region is often tall and narrow).
    const map = L.map(host, { zoomControl: false, zoomSnap: 0.25, zoomDelta: 0.5, maxZoom: 19 });
    this.map = map;
    dutchControls(L, map);
    addBase(L, map, mapData, this.canvas, note);
    this.cluster = L.markerClusterGroup({
      maxClusterRadius: 36,
      showCoverageOnHover: false,
      spiderfyOnMaxZoom: true,
      iconCreateFunction: (cluster) => this.clusterIcon(cluster),
    });
    this.markers.clear();
    const layers = [];
    for (const p of providers) {
      if (typeof p.location?.lat !== "number" || typeof p.location?.lon !== "number") continue;
      const marker = L.marker([p.location.lat, p.location.lon], { icon: this.icon(p), keyboard: true, riseOnHover: true });
      marker.providerId = p.id;
      // Opened by a click or by Enter on the focused marker (Leaflet opens a bound popup on both).
      marker.on("popupopen", () => this.opened(p.id));
      marker.bindPopup(() => h("div", { class: "map-popup" }, providerSummary(p, this.store, this.careType())), {
        maxWidth: 340,
        minWidth: 240,
        maxHeight: 320,
        autoPanPadding: [24, 24],
      });
      this.markers.set(p.id, { marker, provider: p, signature: "" });
      layers.push(marker);
    }
    this.cluster.addLayers(layers);
    map.addLayer(this.cluster);
    map.fitBounds(regionBounds(L, mapData), { padding: [24, 24] });
    this.recolour();
  }

  icon(p) {
    const st = markerState(this.store, this.careType(), p.id);
    const selected = this.selected === p.id;
    return new this.Icon({
      className: `marker st-${st.status}${selected ? " selected" : ""}`,
      html: h("span", { class: "marker-text" }, st.text),
      iconSize: st.status === "none" ? [18, 18] : [30, 30],
      label: markerWords(p, st),
      data: { provider: p.id, status: st.status },
      pressed: selected,
    });
  }

  clusterIcon(cluster) {
    const counts = {};
    let free = 0;
    for (const m of cluster.getAllChildMarkers()) {
      const st = markerState(this.store, this.careType(), m.providerId);
      counts[st.status] = (counts[st.status] ?? 0) + 1;
      if (st.status === "free") free += Number(st.text) || 0;
    }
    const best = STATUS_ORDER.find((s) => counts[s]) ?? "none";
    const n = cluster.getChildCount();
    // As on a single marker, the big figure is the places free (or "!" / "?"); the badge counts providers.
    const figure = { free: String(free), full: "0", stop: "!", stale: "?", none: "" }[best];
    const parts = [
      counts.free ? `${counts.free} met plek vrij` : null,
      counts.full ? `${counts.full} vol` : null,
      counts.stop ? `${counts.stop} met stop` : null,
      counts.stale ? `${counts.stale} onbekend` : null,
      counts.none ? `${counts.none} zonder deze zorgsoort` : null,
    ].filter(Boolean);
    return new this.Icon({
      className: `marker-cluster-zcc st-${best}`,
      html: h("span", { class: "cluster-figure" }, figure, h("span", { class: "cluster-count" }, String(n))),
      iconSize: [40, 40],
      label: `${n} aanbieders hier${best === "free" ? `, ${free} ${free === 1 ? "plek" : "plekken"} vrij` : ""}: ${parts.join(", ")}. Kies om in te zoomen.`,
      data: { count: n, status: best, free },
    });
  }

  recolour() {
    if (!this.map) return;
    let changed = false;
    for (const m of this.markers.values()) {
      const st = markerState(this.store, this.careType(), m.provider.id);
      const signature = `${st.status}|${st.text}|${st.words}|${this.selected === m.provider.id}`;
      if (signature === m.signature) continue;
      m.signature = signature;
      m.marker.setIcon(this.icon(m.provider));
      changed = true;
    }
    if (changed) this.cluster.refreshClusters();
    if (this.selected) this.showDetail();
    this.request?.recolour();
  }

  /** A marker's popup opened: it is the selected provider, with its full table below the map. */
  opened(providerId) {
    this.selected = providerId;
    this.recolour();
    this.showDetail();
  }

  /** Show a provider: zoom until its marker is out of its cluster, and open its popup. */
  select(providerId) {
    const m = this.markers.get(providerId);
    if (!m) return;
    this.cluster.zoomToShowLayer(m.marker, () => {
      if (!m.marker.isPopupOpen()) m.marker.openPopup();
    });
  }

  showDetail() {
    const m = this.markers.get(this.selected);
    if (m) fill(this.detail, providerDetail(m.provider, this.store, "map-detail-h"));
  }

  showRequest(record) {
    if (!this.requestHost) return;
    this.request ??= new RequestMap(this);
    this.request.show(record);
  }

  hideRequest() {
    this.request?.hide();
  }
}

/** The intake view's map: the patient's location and the proposed places, numbered as in the list. */
class RequestMap {
  constructor(region) {
    this.region = region;
    this.host = region.requestHost;
    this.map = null;
    this.record = null;
  }

  destroy() {
    this.map?.remove();
    this.map = null;
    fill(this.host);
    this.host.hidden = true;
  }

  hide() {
    this.record = null;
    this.host.hidden = true;
  }

  show(record) {
    const L = this.region.L;
    this.record = record;
    if (typeof record?.location?.lat !== "number") {
      this.hide();
      return;
    }
    this.host.hidden = false;
    if (!this.map) {
      const el = h("div", { class: "leaflet-host request-leaflet", id: "request-leaflet", role: "region" });
      const note = h("p", { class: "map-note", role: "status" });
      fill(this.host, h("h4", { id: "request-map-h" }, "Kaart: de patiënt (P) en de voorgestelde plekken"), el, note);
      this.map = L.map(el, { zoomControl: false, zoomSnap: 0.25, zoomDelta: 0.5, maxZoom: 19 });
      dutchControls(L, this.map);
      addBase(L, this.map, this.region.mapData, this.host, note);
      this.layer = L.layerGroup().addTo(this.map);
    }
    this.map.invalidateSize();
    this.draw();
  }

  recolour() {
    if (this.record && !this.host.hidden) this.draw();
  }

  draw() {
    const L = this.region.L;
    const r = this.record;
    const byId = new Map(this.region.providers.map((p) => [p.id, p]));
    const patient = [r.location.lat, r.location.lon];
    const where = r.location.place
      ? r.location.place
      : r.location.postcode
        ? `postcode ${r.location.postcode}`
        : `${patient[0].toFixed(4)}, ${patient[1].toFixed(4)}`;
    this.layer.clearLayers();
    const points = [patient];
    const proposals = r.proposals ?? [];
    proposals.forEach((p, i) => {
      const provider = byId.get(p.provider_id);
      if (!provider?.location) return;
      const at = [provider.location.lat, provider.location.lon];
      const st = markerState(this.region.store, p.care_type, p.provider_id);
      const label =
        `Voorstel ${i + 1}: ${providerName(p.provider_id)}, ${careTypeName(p.care_type)}, ` +
        `${fmtMinutes(p.travel_minutes)} reistijd; ${st.words}`;
      this.layer.addLayer(L.polyline([patient, at], { className: "proposal-line", interactive: false, weight: 2 }));
      this.layer.addLayer(
        L.marker(at, {
          keyboard: false,
          zIndexOffset: 500, // the places to choose from stay on top of the patient's pin
          icon: new this.region.Icon({
            className: `marker proposal-marker st-${st.status}`,
            html: h("span", { class: "marker-text" }, String(i + 1)),
            iconSize: [28, 28],
            label,
            data: { provider: p.provider_id, rank: i + 1, status: st.status },
          }),
        }),
      );
      points.push(at);
    });
    const pin = L.marker(patient, {
        keyboard: false,
        zIndexOffset: -500,
        icon: new this.region.Icon({
          className: "patient-marker",
          html: h("span", {}, "P"),
          iconSize: [30, 30],
          iconAnchor: [15, 34], // a pin: its point (below the round head) is on the location
          label: `Patiënt, ${where}`,
          data: { role: "patient" },
        }),
      });
    // Named beside the pin, so the patient stays findable when a nearby proposal covers the pin.
    pin.bindTooltip("Patiënt", { permanent: true, direction: "left", offset: [-14, -18], className: "patient-label" });
    this.layer.addLayer(pin);
    this.host.querySelector(".request-leaflet")?.setAttribute(
      "aria-label",
      `Kaart van de aanvraag: de patiënt (${where}) en ${proposals.length} voorgestelde plekken`,
    );
    this.map.fitBounds(L.latLngBounds(points), { padding: [36, 36], maxZoom: 13 });
  }
}
