// The hand-over sheet of a confirmed placement: one printed page the nurse hands on (or reads out) when
// the patient goes: patient reference, urgency, what was asked, the place with its address and phone,
// when it was confirmed and by whom. Screen CSS hides it; print CSS shows only it (app.css, @media print).
//
// Every Dutch text of the sheet is in T below, in one place, so the message catalogue can take it over.

import { careTypeName, fill, h, names, providerName } from "./dom.js";

const T = {
  title: "Overdracht plaatsing",
  patient: "Patiëntreferentie",
  urgency: "Urgentie",
  asked: "Hulpvraag",
  complaint: "Ingangsklacht",
  careTypes: "Gevraagde zorg",
  reasons: "Triage",
  place: "Plaats",
  address: "Adres",
  phone: "Telefoon",
  phoneFictitious: "(fictief nummer: demo-regio)",
  confirmedAt: "Bevestigd",
  confirmedBy: "Bevestigd door",
  request: "Aanvraag",
  printedAt: (at) => `Afgedrukt ${at} uit zcc. Pseudoniem: geen naam of BSN op dit blad.`,
  unknown: "onbekend",
  role: { triage: "triagist", admin: "beheerder", provider: "aanbieder", dispatch: "meldkamer", ops: "beheer" },
};

// On paper the day counts too: "3 dec. 2026 13:52".
const paperTime = new Intl.DateTimeFormat("nl-NL", {
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

function onPaper(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? T.unknown : paperTime.format(d);
}

/** Who confirmed the placement, from the request's history ("placed"). */
function confirmedBy(record) {
  const step = [...(record.history ?? [])].reverse().find((x) => x.action === "placed");
  const by = step?.by;
  if (!by) return T.unknown;
  const who = by.name || by.practitioner || `token ${by.token_id}`;
  return `${who} (${T.role[by.role] ?? by.role})`;
}

/** Fill the sheet for a placed request; returns false when there is no placement to hand over. */
export function fillHandover(root, record) {
  const p = record.placement;
  if (record.status !== "placed" || !p) return false;
  const provider = names.providers.get(p.provider_id) ?? {};
  const urgency = names.urgencies.get(record.urgency);
  const contact = provider.contact;
  const row = (label, ...value) => [h("dt", {}, label), h("dd", {}, ...value)];
  fill(
    root,
    h("h2", { id: "handover-h" }, T.title),
    h(
      "dl",
      { class: "handover-facts" },
      row(T.patient, h("strong", { id: "ho-patient" }, record.patient_ref)),
      row(T.urgency, h("strong", { id: "ho-urgency" }, record.urgency), urgency ? ` — ${urgency.label}` : ""),
      row(T.complaint, names.complaints.get(record.complaint) ?? record.complaint),
      row(T.careTypes, (record.care_types ?? []).map(careTypeName).join(", ") || "—"),
      record.triage?.reasons?.length ? row(T.reasons, record.triage.reasons.join("; ")) : null,
      row(T.place, h("strong", { id: "ho-place" }, `${careTypeName(p.care_type)} bij ${providerName(p.provider_id)}`)),
      row(T.address, h("span", { id: "ho-address" }, provider.address || provider.location?.name || T.unknown)),
      row(
        T.phone,
        h("strong", { id: "ho-phone" }, contact?.phone ?? T.unknown),
        contact?.desk ? ` (${contact.desk})` : "",
        contact?.fictitious ? ` ${T.phoneFictitious}` : "",
      ),
      row(T.confirmedAt, h("span", { id: "ho-confirmed-at" }, onPaper(p.confirmed_at))),
      row(T.confirmedBy, h("span", { id: "ho-confirmed-by" }, confirmedBy(record))),
      row(T.request, h("span", { class: "mono" }, record.id)),
    ),
    h("p", { class: "hint" }, T.printedAt(onPaper(new Date().toISOString()))),
  );
  return true;
}

/** Show the sheet for printing, print, and hide it again. */
export function printHandover(root, record) {
  if (!fillHandover(root, record)) return;
  root.hidden = false;
  document.body.classList.add("printing-handover");
  const done = () => {
    document.body.classList.remove("printing-handover");
    window.removeEventListener("afterprint", done);
  };
  window.addEventListener("afterprint", done);
  window.print();
}
