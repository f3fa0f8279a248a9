// After the placement (issue 15): the receiving provider's "Mijn patiënten" (incoming and current patients,
// one action per report), the board's "niet aangekomen?" alerts for the triage staff, and the refusal note
// beside a reopened request. Every Dutch text of this part is in TEXT below, keyed, for the catalogue.

import { explain, get, idempotencyKey, post } from "./api.js";
import { careTypeName, fill, fmtTime, h, kindLabel, names, providerName, say } from "./dom.js";

export const TEXT = {
  title: "Mijn patiënten",
  incoming: "Onderweg naar u",
  current: "Aanwezig",
  ended: "Afgerond (laatste 24 uur)",
  none: "Geen patiënten.",
  refresh: "Ververs",
  arrived: "Aangekomen",
  admitted: "Opgenomen",
  treatedAndHome: "Behandeld, naar huis",
  referredOn: "Doorverwezen",
  referredWhere: "Doorverwezen naar",
  refuse: "Weiger aan de deur",
  refuseReason: "Reden van weigeren",
  refuseText: "Toelichting (optioneel)",
  discharge: "Ontslag",
  destination: "Bestemming na ontslag",
  freeAfter: "Vrije plekken na ontslag (leeg: één erbij)",
  placedAt: "geplaatst",
  arrivedAt: "aangekomen",
  saved: "Vastgelegd.",
  notArrivedTitle: "Niet aangekomen?",
  notArrivedNone: "Alle geplaatste patiënten zijn aangekomen of nog binnen de tijd.",
  notArrivedRow: (minutes) => `geplaatst ${minutes} min geleden, aankomst niet gemeld`,
  refusedBy: (provider, reason) => `Geweigerd door ${provider}: ${reason}`,
  regionNone: "Nog geen plaatsingen in deze periode.",
  regionPeriod: (days) => `Plaatsingen van de laatste ${days} dagen`,
  regionAll: "Hele regio",
  regionColumns: [
    "Soort aanbieder",
    "Zorgsoort",
    "Plaatsingen",
    "Binnen urgentievenster",
    "Aanvraag tot aankomst (mediaan / p90)",
    "Geweigerd aan de deur",
    "Heropnames ≤ 30 dagen",
    "Ligduur (mediaan / p90)",
  ],
  minutes: (m) => (m === null || m === undefined ? "—" : `${Math.round(m)} min`),
  hours: (u) => (u === null || u === undefined ? "—" : `${u.toLocaleString("nl-NL", { maximumFractionDigits: 1 })} u`),
  share: (x) => (x === null || x === undefined ? "—" : `${Math.round(100 * x)}%`),
  stage: {
    placed: "onderweg",
    arrived: "aangekomen",
    admitted: "opgenomen",
    treated_and_home: "behandeld en naar huis",
    referred_on: "doorverwezen",
    discharged: "ontslagen",
    refused: "geweigerd aan de deur",
  },
  reasons: {
    no_bed_after_all: "toch geen plek vrij",
    care_need_too_high: "zorgvraag te zwaar voor deze plek",
    care_need_too_low: "zorgvraag te licht voor deze plek",
    not_indicated: "geen indicatie",
    patient_declined: "patiënt wilde niet",
    other: "andere reden",
  },
  destinations: {
    home: "naar huis",
    home_with_district_nursing: "naar huis met wijkverpleging",
    other_place: "naar een andere plek",
    deceased: "overleden",
  },
};

/** The line shown beside a request that was refused at the door and reopened; null when it was not. */
export function refusalNote(record) {
  const last = record.refused?.at?.(-1);
  if (!last) return null;
  const reason = TEXT.reasons[last.refusal_reason] ?? last.refusal_reason ?? "";
  const text = last.refusal_text ? `${reason} (${last.refusal_text})` : reason;
  return h("span", { class: "tag tag-refused" }, TEXT.refusedBy(providerName(last.provider_id), text));
}

function options(map) {
  return Object.entries(map).map(([value, label]) => h("option", { value }, label));
}

/** The receiving provider's panel: its patients, each with the reports that fit its stage. */
export class ReceivingPanel {
  constructor({ section, body, status, refreshButton }) {
    this.section = section;
    this.body = body;
    this.status = status;
    refreshButton.addEventListener("click", () => this.load());
    this.timer = null;
  }

  async start() {
    this.section.hidden = true;
    try {
      await this.load();
    } catch {
      return; // not a provider token: the panel stays hidden
    }
    this.section.hidden = false;
    this.timer = setInterval(() => this.load().catch(() => {}), 30_000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
    fill(this.body);
    this.section.hidden = true;
  }

  async load() {
    const data = await get("/api/v1/receiving");
    fill(
      this.body,
      this.list(TEXT.incoming, data.incoming, "incoming"),
      this.list(TEXT.current, data.current, "current"),
      this.list(TEXT.ended, data.ended, "ended"),
    );
  }

  list(title, patients, kind) {
    return h(
      "div",
      { class: `receiving-list receiving-${kind}` },
      h("h3", {}, `${title} (${patients.length})`),
      patients.length
        ? h("ul", { class: "patients" }, patients.map((p) => this.card(p)))
        : h("p", { class: "muted" }, TEXT.none),
    );
  }

  card(p) {
    const urgency = h("span", { class: `urgency u-${String(p.urgency).toLowerCase()}` }, p.urgency);
    const facts = [
      `${careTypeName(p.care_type)} · ${names.complaints.get(p.complaint) ?? p.complaint}`,
      `${TEXT.placedAt} ${fmtTime(p.placed_at)}`,
    ];
    if (p.arrived_at) facts.push(`${TEXT.arrivedAt} ${fmtTime(p.arrived_at)}`);
    if (p.discharged_at) facts.push(`${TEXT.stage.discharged} ${fmtTime(p.discharged_at)} ${TEXT.destinations[p.destination] ?? ""}`.trim());
    return h(
      "li",
      { class: "patient-card", dataset: { request: p.id, stage: p.stage } },
      h(
        "div",
        { class: "patient-head" },
        urgency,
        h("strong", { class: "mono" }, p.patient_ref),
        h("span", { class: "tag" }, TEXT.stage[p.stage] ?? p.stage),
      ),
      h("p", { class: "patient-facts" }, facts.join(" · ")),
      this.actions(p),
    );
  }

  actions(p) {
    const box = h("div", { class: "report-actions" });
    const message = h("p", { class: "error", role: "alert" });
    const send = (what, body) => async (ev) => {
      ev.target.disabled = true;
      try {
        await post(`/api/v1/requests/${encodeURIComponent(p.id)}/${what}`, body(), {
          headers: { "Idempotency-Key": idempotencyKey() },
        });
        say(this.status, `${p.patient_ref}: ${TEXT.saved}`);
        await this.load();
      } catch (err) {
        ev.target.disabled = false;
        say(message, explain(err));
      }
    };
    const button = (label, what, body, cls = "") =>
      h("button", { type: "button", class: `small ${cls}`, onclick: send(what, body) }, label);
    const id = (name) => `${name}-${p.id}`;
    const refuse = () => {
      const reason = h("select", { id: id("reason"), "aria-label": TEXT.refuseReason }, options(TEXT.reasons));
      const text = h("input", { id: id("rtext"), type: "text", maxlength: "300", "aria-label": TEXT.refuseText, placeholder: TEXT.refuseText });
      return h(
        "div",
        { class: "report-row" },
        reason,
        text,
        button(TEXT.refuse, "outcome", () => ({ outcome: "refused", reason: reason.value, ...(text.value.trim() ? { text: text.value.trim() } : {}) }), "danger"),
      );
    };
    if (p.stage === "placed") {
      box.append(h("div", { class: "report-row" }, button(TEXT.arrived, "arrived", () => ({}), "primary")), refuse());
    } else if (p.stage === "arrived") {
      const where = h("input", { id: id("where"), type: "text", maxlength: "200", "aria-label": TEXT.referredWhere, placeholder: TEXT.referredWhere });
      box.append(
        h(
          "div",
          { class: "report-row" },
          button(TEXT.admitted, "outcome", () => ({ outcome: "admitted" }), "primary"),
          button(TEXT.treatedAndHome, "outcome", () => ({ outcome: "treated_and_home" })),
        ),
        h("div", { class: "report-row" }, where, button(TEXT.referredOn, "outcome", () => ({ outcome: "referred_on", referred_to: where.value.trim() }))),
        refuse(),
      );
    } else if (p.stage === "admitted") {
      const dest = h("select", { id: id("dest"), "aria-label": TEXT.destination }, options(TEXT.destinations));
      // The provider confirms the free count the board gets back (one more), or sets its own.
      const free = h("input", { id: id("free"), type: "number", min: "0", step: "1", inputmode: "numeric", "aria-label": TEXT.freeAfter, placeholder: TEXT.freeAfter });
      const body = () => ({ destination: dest.value, ...(free.value.trim() !== "" ? { available: Number(free.value) } : {}) });
      box.append(h("div", { class: "report-row" }, dest, free, button(TEXT.discharge, "discharge", body, "primary")));
    }
    box.append(message);
    return box;
  }
}

/** "Niet aangekomen?": placements without a reported arrival after the region's alert time (triage staff). */
export class ArrivalAlerts {
  constructor({ root }) {
    this.root = root;
    this.timer = null;
  }

  async start() {
    try {
      await this.load();
      this.timer = setInterval(() => this.load().catch(() => {}), 60_000);
    } catch {
      fill(this.root);
    }
  }

  stop() {
    clearInterval(this.timer);
    fill(this.root);
  }

  async load() {
    const data = await get("/api/v1/arrivals/overdue");
    const alerts = data.alerts ?? [];
    fill(
      this.root,
      h("h3", {}, `${TEXT.notArrivedTitle} (${alerts.length})`),
      alerts.length
        ? h(
            "ul",
            { class: "arrival-alerts" },
            alerts.map((a) =>
              h(
                "li",
                { class: "arrival-alert" },
                h("span", { class: `urgency u-${String(a.urgency).toLowerCase()}` }, a.urgency),
                " ",
                h("strong", { class: "mono" }, a.patient_ref),
                ` — ${careTypeName(a.care_type)} bij ${providerName(a.provider_id)}: ${TEXT.notArrivedRow(a.minutes_since_placement)}`,
              ),
            ),
          )
        : h("p", { class: "muted" }, TEXT.notArrivedNone),
    );
  }
}

/** The region's figures for the coordinator (GET /api/v1/indicators), per provider kind and care type. */
export class RegionFigures {
  constructor({ section, body, days = 30 }) {
    this.section = section;
    this.body = body;
    this.days = days;
  }

  async start() {
    try {
      await this.load();
      this.section.hidden = false;
    } catch {
      this.section.hidden = true; // a role without the figures
    }
  }

  stop() {
    fill(this.body);
  }

  async load() {
    const from = new Date(Date.now() - this.days * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
    const data = await get(`/api/v1/indicators?from=${encodeURIComponent(from)}`);
    const row = (g, kind, care) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, kind),
        h("td", {}, care),
        h("td", { class: "num" }, String(g.placements)),
        h("td", { class: "num" }, TEXT.share(g.within_window_share)),
        h("td", { class: "num" }, `${TEXT.minutes(g.request_to_arrival_minutes.median)} / ${TEXT.minutes(g.request_to_arrival_minutes.p90)}`),
        h("td", { class: "num" }, String(g.refusals_at_door)),
        h("td", { class: "num" }, String(g.readmissions_30d)),
        h("td", { class: "num" }, `${TEXT.hours(g.length_of_stay_hours.median)} / ${TEXT.hours(g.length_of_stay_hours.p90)}`),
      );
    fill(
      this.body,
      h("p", { class: "muted" }, TEXT.regionPeriod(this.days)),
      data.groups.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "data region-figures" },
              h("thead", {}, h("tr", {}, TEXT.regionColumns.map((c) => h("th", { scope: "col" }, c)))),
              h(
                "tbody",
                {},
                data.groups.map((g) => row(g, kindLabel(g.provider_kind), careTypeName(g.care_type))),
                row(data.region, TEXT.regionAll, ""),
              ),
            ),
          )
        : h("p", { class: "muted" }, TEXT.regionNone),
    );
  }
}
