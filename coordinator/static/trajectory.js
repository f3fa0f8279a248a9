// The patient's care trajectory (zorgtraject): GET /api/v1/trajectories/{patient_ref}.
// 200 shows care team, care plan hints, phase and recent events; 403 is "geen toegang", 404 "geen traject".
// Written against {patient_ref, care_team: [{role, name, contact}], hints: {...}, phase,
// events: [{at, type, detail}]} and read defensively: a missing or differently shaped part is skipped.

import { explain, get } from "./api.js";
import { fill, fmtTime, h, label, providerName } from "./dom.js";

const HINT_LABELS = {
  preferred_providers: "Voorkeursaanbieders",
  home_first: "Eerst thuis",
  no_hospital_admission: "Geen ziekenhuisopname",
  acp_wishes: "Wensen (proactieve zorgplanning)",
  mobility: "Mobiliteit",
  psychogeriatric: "Psychogeriatrisch",
  wlz_indication: "Wlz-indicatie",
  can_return_home: "Kan terug naar huis",
  sharing_objection: "Bezwaar tegen delen",
};

const PHASE_LABELS = {
  intake: "Intake",
  startfase: "Startfase",
  vervolgfase: "Vervolgfase",
  evaluation_due: "Evaluatie nodig",
  ended: "Beëindigd",
};

const MAX_EVENTS = 10;

// Why only the hints are shown (limited_because in the answer).
const LIMITED_TEXT = {
  sharing_objection: "Beperkt: de patiënt maakt bezwaar tegen delen; alleen de aandachtspunten uit het zorgplan worden getoond.",
  open_request: "Beperkt: bij een open aanvraag ziet de triage alleen de aandachtspunten uit het zorgplan, niet het zorgteam of de geschiedenis.",
};

export class TrajectoryPanel {
  constructor({ form, input, view }) {
    this.input = input;
    this.view = view;
    this.seq = 0;
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.load(input.value.trim());
    });
  }

  async load(patientRef) {
    if (!patientRef) {
      fill(this.view, h("p", { class: "error", role: "alert" }, "Vul een patiëntreferentie in."));
      return;
    }
    this.input.value = patientRef;
    const seq = ++this.seq;
    fill(this.view, h("p", { class: "muted" }, "Traject wordt geladen…"));
    try {
      const t = await get(`/api/v1/trajectories/${encodeURIComponent(patientRef)}`);
      if (seq === this.seq) this.show(t ?? {}, patientRef);
    } catch (err) {
      if (seq !== this.seq) return;
      let text;
      if (err.status === 403) text = `Geen toegang tot het zorgtraject van ${patientRef}.`;
      else if (err.status === 404) text = `Geen traject bekend voor ${patientRef}.`;
      else text = `Het zorgtraject is nu niet op te halen: ${explain(err)}`;
      fill(this.view, h("p", { class: "notice", id: "traj-state", dataset: { status: String(err.status ?? "") } }, text));
    }
  }

  show(t, patientRef) {
    const team = Array.isArray(t.care_team) ? t.care_team : [];
    const hints = t.hints && typeof t.hints === "object" && !Array.isArray(t.hints) ? Object.entries(t.hints) : [];
    const events = Array.isArray(t.events) ? [...t.events] : [];
    events.sort((a, b) => String(b.at ?? "").localeCompare(String(a.at ?? "")));
    const due = t.evaluation_due && typeof t.evaluation_due === "object" ? t.evaluation_due : null;
    fill(
      this.view,
      h("h3", { id: "traj-state", dataset: { status: "200" } }, `Traject van ${t.patient_ref ?? patientRef}`),
      t.stored === false ? h("p", { class: "muted" }, "Nog geen zorgtraject vastgelegd; hieronder de standaardwaarden.") : null,
      t.limited ? h("p", { class: "notice" }, LIMITED_TEXT[t.limited_because] ?? LIMITED_TEXT.open_request) : null,
      t.phase ? h("p", {}, h("strong", {}, "Fase: "), PHASE_LABELS[t.phase] ?? String(t.phase)) : null,
      due?.due ? h("p", { class: "notice" }, h("strong", {}, "Evaluatie nodig"), due.reason ? `: ${due.reason}` : "") : null,
      t.limited ? null : h("h4", {}, "Zorgteam"),
      t.limited
        ? null
        : team.length
        ? h(
            "table",
            { class: "data" },
            h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Rol"), h("th", { scope: "col" }, "Naam"), h("th", { scope: "col" }, "Contact"))),
            h(
              "tbody",
              {},
              team.map((m) =>
                h(
                  "tr",
                  {},
                  h("td", {}, label("role", m.role)),
                  h("th", { scope: "row" }, String(m.name ?? ""), m.organisation ? h("span", { class: "muted" }, ` (${m.organisation})`) : null),
                  h("td", {}, String(m.contact ?? "")),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "Geen zorgteam vastgelegd."),
      h("h4", {}, "Aandachtspunten uit het zorgplan"),
      hints.length
        ? h("dl", { class: "facts" }, hints.map(([k, v]) => [h("dt", {}, HINT_LABELS[k] ?? k), h("dd", {}, hintValue(k, v))]))
        : h("p", { class: "muted" }, "Geen aandachtspunten vastgelegd."),
      t.limited ? null : h("h4", {}, "Recente gebeurtenissen"),
      t.limited
        ? null
        : events.length
        ? h(
            "ol",
            { class: "events" },
            events.slice(0, MAX_EVENTS).map((e) => h("li", {}, h("span", { class: "mono" }, fmtTime(e.at)), " ", h("strong", {}, label("event", e.type)), e.description ? ` — ${e.description}` : detailText(e.detail))),
          )
        : h("p", { class: "muted" }, "Nog geen gebeurtenissen."),
    );
  }
}

function hintValue(key, value) {
  if (typeof value === "boolean") return value ? "ja" : "nee";
  if (Array.isArray(value)) {
    return value.map((v) => (key === "preferred_providers" ? providerName(String(v)) : String(v))).join(", ") || "—";
  }
  if (value && typeof value === "object") return Object.entries(value).map(([k, v]) => `${k}: ${v}`).join("; ");
  return String(value ?? "—");
}

const DETAIL_KEYS = ["urgency", "complaint", "care_type", "provider_id", "held_until", "to", "reason"];

function detailText(detail) {
  if (detail === null || detail === undefined || detail === "") return "";
  if (typeof detail === "object") {
    const known = DETAIL_KEYS.filter((k) => detail[k] !== null && detail[k] !== undefined && typeof detail[k] !== "object");
    if (known.length) {
      return ` — ${known.map((k) => (k === "provider_id" ? providerName(detail[k]) : k === "held_until" ? `tot ${fmtTime(detail[k])}` : String(detail[k]))).join(", ")}`;
    }
    const parts = Object.entries(detail)
      .filter(([, v]) => v !== null && v !== undefined && typeof v !== "object")
      .map(([k, v]) => `${k}: ${v}`);
    return parts.length ? ` — ${parts.join(", ")}` : "";
  }
  return ` — ${detail}`;
}
