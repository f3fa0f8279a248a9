// The forecast on the board: per care type "kans vol om 08:00: 70 %" (GET /api/v1/forecast, every 5 minutes).
// It writes one span into each care type's table caption; the board re-renders its tables, so a
// MutationObserver puts the span back (and only writes when the text changes, so it does not loop).

import { explain, get } from "./api.js";
import { h } from "./dom.js";

const REFRESH_MS = 5 * 60_000;

/** The line for one care type: the hour with the highest chance of full within the horizon. */
export function forecastText(ct) {
  if (!ct) return "";
  const open = ct.hours.filter((hour) => hour.p_full !== null);
  if (!open.length) return `kans vol: gesloten komende ${ct.hours.length} uur`;
  const worst = open.reduce((a, b) => (b.p_full > a.p_full ? b : a));
  const pct = Math.round(worst.p_full * 100);
  if (pct < 1) return `kans vol komende ${ct.hours.length} uur: < 1 %`;
  return `kans vol om ${worst.local_time}: ${pct} %`;
}

function forecastTitle(ct, note) {
  const hours = ct.hours
    .map((hour) => `${hour.local_time}: ${hour.p_full === null ? "gesloten" : `${Math.round(hour.p_full * 100)} % kans vol, ~${hour.expected_free.toFixed(1).replace(".", ",")} vrij`}`)
    .join("\n");
  return `Voorspelling uit het bord van nu (${ct.places} plekken met actuele melding):\n${hours}${note ? `\n${note}` : ""}`;
}

/** Keeps a forecast line in every care type's caption of the board while logged in. */
export class ForecastBadges {
  constructor({ body, hours = 8 }) {
    this.body = body;
    this.hours = hours;
    this.byType = new Map();
    this.note = "";
    this.error = "";
    this.timer = null;
    this.observer = new MutationObserver(() => this.paint());
  }

  start() {
    this.stop();
    this.observer.observe(this.body, { childList: true, subtree: true });
    this.load();
    this.timer = setInterval(() => this.load(), REFRESH_MS);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    this.observer.disconnect();
    this.byType.clear();
    this.paint();
  }

  async load() {
    try {
      const data = await get(`/api/v1/forecast?hours=${this.hours}`);
      this.byType = new Map(data.care_types.map((ct) => [ct.care_type, ct]));
      this.note = data.demand?.note?.text ?? "";
      this.error = "";
    } catch (err) {
      if (err.status === 403) {
        this.stop(); // a role without the forecast: the board stays as it is
        return;
      }
      this.error = `Voorspelling niet beschikbaar: ${explain(err)}`;
    }
    this.paint();
  }

  paint() {
    for (const table of this.body.querySelectorAll("table[data-care-type]")) {
      const caption = table.querySelector("caption");
      if (!caption) continue;
      const ct = this.byType.get(table.dataset.careType);
      let el = caption.querySelector(".ct-forecast");
      const text = ct ? forecastText(ct) : this.error && this.timer ? "voorspelling niet beschikbaar" : "";
      if (!text) {
        el?.remove();
        continue;
      }
      if (!el) {
        el = h("span", { class: "ct-forecast" });
        caption.append(el);
      }
      if (el.textContent !== text) el.textContent = text;
      const title = ct ? forecastTitle(ct, this.note) : this.error;
      if (el.title !== title) el.title = title;
      el.classList.toggle("ct-forecast-high", Boolean(ct) && ct.hours.some((hour) => (hour.p_full ?? 0) >= 0.5));
    }
  }
}
