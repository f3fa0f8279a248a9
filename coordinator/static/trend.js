// The 24-hour trend on the board: a small line of free places per care type in each table's caption
// (GET /api/v1/capacity/history, hourly, every 5 minutes). A stretch where no place had a fresh report
// is a gap in the line, not a drop to zero. The board re-renders its tables, so a MutationObserver puts
// the line back (it rebuilds one only when its data changed, so it does not loop).

import { get } from "./api.js";

const REFRESH_MS = 5 * 60_000;
const SVG = "http://www.w3.org/2000/svg";
const W = 96;
const H = 18;

/** The polyline point lists of a series of free counts (null = gap), scaled into W x H. */
export function trendSegments(values) {
  const known = values.filter((v) => v !== null);
  if (!known.length) return [];
  const max = Math.max(1, ...known);
  const dx = values.length > 1 ? W / (values.length - 1) : 0;
  const segments = [];
  let cur = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (cur.length) segments.push(cur);
      cur = [];
      return;
    }
    cur.push(`${(i * dx).toFixed(1)},${(H - 1 - (v / max) * (H - 2)).toFixed(1)}`);
  });
  if (cur.length) segments.push(cur);
  return segments;
}

function trendTitle(points) {
  const known = points.filter((p) => p.free !== null);
  const gaps = points.length - known.length;
  if (!known.length) return "Laatste 24 uur: geen actuele meldingen";
  const min = Math.min(...known.map((p) => p.free));
  const max = Math.max(...known.map((p) => p.free));
  const now = points[points.length - 1].free;
  return `Vrije plekken, laatste 24 uur: ${min} tot ${max}, nu ${now ?? "onbekend"}` + (gaps ? ` (${gaps} uur zonder actuele melding)` : "");
}

/** Keeps a 24-hour trend line in every care type's caption of the board while logged in. */
export class TrendLines {
  constructor({ body }) {
    this.body = body;
    this.byType = new Map();
    this.asked = new Set(); // care types asked for since the last refresh (tables can appear later)
    this.timer = null;
    this.observer = new MutationObserver(() => this.paint());
  }

  start() {
    this.stop();
    this.observer.observe(this.body, { childList: true, subtree: true });
    this.timer = setInterval(() => this.load(), REFRESH_MS);
    this.load();
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.observer.disconnect();
    this.byType.clear();
    this.asked.clear();
    this.paint();
  }

  load() {
    this.asked.clear();
    this.paint();
  }

  async fetch(careTypes) {
    for (const careType of careTypes) {
      if (!this.timer) return;
      try {
        const data = await get(`/api/v1/capacity/history?care_type=${encodeURIComponent(careType)}&step=1h`);
        this.byType.set(careType, data.points);
      } catch (err) {
        if (err.status === 403) {
          this.stop();
          return;
        }
        this.byType.delete(careType); // no line rather than a wrong one
      }
    }
    this.paint();
  }

  paint() {
    const missing = [];
    for (const table of this.body.querySelectorAll("table[data-care-type]")) {
      const caption = table.querySelector("caption");
      if (!caption) continue;
      const careType = table.dataset.careType;
      if (this.timer && !this.asked.has(careType)) {
        this.asked.add(careType);
        missing.push(careType);
      }
      const points = this.byType.get(careType);
      let svg = caption.querySelector("svg.ct-trend");
      if (!points) {
        svg?.remove();
        continue;
      }
      const key = JSON.stringify(points.map((p) => p.free));
      if (svg && svg.dataset.key === key) continue;
      svg?.remove();
      svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("class", "ct-trend");
      svg.setAttribute("width", W);
      svg.setAttribute("height", H);
      svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
      svg.setAttribute("role", "img");
      svg.dataset.key = key;
      const title = trendTitle(points);
      svg.setAttribute("aria-label", title);
      const t = document.createElementNS(SVG, "title");
      t.textContent = title;
      svg.append(t);
      for (const seg of trendSegments(points.map((p) => p.free))) {
        const line = document.createElementNS(SVG, seg.length > 1 ? "polyline" : "circle");
        if (seg.length > 1) line.setAttribute("points", seg.join(" "));
        else {
          const [x, y] = seg[0].split(",");
          line.setAttribute("cx", x);
          line.setAttribute("cy", y);
          line.setAttribute("r", "1.5");
        }
        svg.append(line);
      }
      caption.append(svg);
    }
    if (missing.length) this.fetch(missing);
  }
}
