// What both maps (the Leaflet map and the SVG fallback) show of a provider: its marker state for the chosen
// care type, the Dutch words for it, and the provider's capacity and contact (popup and the table below).

import { careTypeName, fmtAge, fmtTime, h, kindLabel } from "./dom.js";

export const STATUS_WORDS = {
  free: "plek vrij",
  full: "vol",
  stop: "stop",
  stale: "verouderd, beschikbaarheid onbekend",
  none: "biedt deze zorgsoort niet",
};

// Which state a cluster of markers shows: the most useful one for finding a place.
export const STATUS_ORDER = ["free", "full", "stop", "stale", "none"];

/** The places the offline maps name: towns (not provider sites, not road junctions), the inhabited ones when
 * the region file gives populations (an imported network's postcode centroids then stay unnamed). */
export function townsOf(mapData) {
  const towns = mapData.locations.filter((l) => (l.kind ?? "town") === "town");
  const inhabited = towns.filter((l) => l.population > 0);
  return inhabited.length ? inhabited : towns;
}

/** The marker's state for the selected care type (or, without one, over all its care types). */
export function markerState(store, careType, providerId) {
  const ct = careType;
  if (ct) {
    const e = store.get(providerId, ct);
    if (!e) return { status: "none", text: "", words: `${careTypeName(ct)}: ${STATUS_WORDS.none}` };
    return { status: e.status, text: markerText(e.status, e.free), words: `${careTypeName(ct)}: ${entryWords(e)}` };
  }
  const entries = store.all().filter((e) => e.provider_id === providerId);
  if (!entries.length) return { status: "stale", text: "?", words: "nog geen capaciteit bekend" };
  if (entries.some((e) => e.stop)) return { status: "stop", text: "!", words: `stop: ${entries.find((e) => e.stop).stop.reason}` };
  const free = entries.reduce((n, e) => n + (e.free ?? 0), 0);
  if (free > 0) return { status: "free", text: String(free), words: `${free} ${free === 1 ? "plek" : "plekken"} vrij over alle zorgsoorten` };
  if (entries.every((e) => e.stale)) return { status: "stale", text: "?", words: STATUS_WORDS.stale };
  return { status: "full", text: "0", words: "alles vol" };
}

export function markerWords(p, st) {
  return `${p.name}, ${kindLabel(p.kind)} in ${p.location.name}: ${st.words}`;
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

const CONTACT_LABELS = {
  phone: "Telefoon",
  telefoon: "Telefoon",
  tel: "Telefoon",
  email: "E-mail",
  mail: "E-mail",
  desk: "Coördinatiedesk",
  name: "Naam",
  note: "Opmerking",
};

function contactItem(label, value) {
  const text = String(value);
  const phone = /^(tel:)?\+?[0-9 ()-]{6,}$/.test(text) ? text.replace(/^tel:/, "") : null;
  const mail = /^(mailto:)?[^\s@]+@[^\s@]+$/.test(text) ? text.replace(/^mailto:/, "") : null;
  // Links are built from the digits or the address only, never from the value as given.
  let shown = text;
  if (phone) shown = h("a", { href: `tel:${phone.replace(/[^0-9+]/g, "")}` }, phone);
  else if (mail) shown = h("a", { href: `mailto:${encodeURIComponent(mail).replace("%40", "@")}` }, mail);
  return h("li", {}, `${label}: `, shown);
}

/** The provider's contact details (a string, or an object of kinds of contact), when the API gives them. */
export function contactBlock(contact) {
  if (!contact) return null;
  let items = [];
  if (typeof contact === "string") items = [contactItem(/@/.test(contact) ? "E-mail" : "Telefoon", contact)];
  else if (typeof contact === "object") {
    // The desk first (who answers), then how to reach it; flags such as "fictitious" are no contact item.
    const entries = Object.entries(contact).sort(([a], [b]) => Number(b === "desk") - Number(a === "desk"));
    for (const [key, value] of entries) {
      if (value === null || value === undefined || value === "" || typeof value !== "string") continue;
      items.push(contactItem(CONTACT_LABELS[key.toLowerCase()] ?? key, value));
    }
    if (items.length && contact.fictitious === true) {
      items.push(h("li", { class: "muted" }, "Fictief nummer (demoregio): niet bellen."));
    }
  }
  if (!items.length) return null;
  return h("div", { class: "contact" }, h("h4", {}, "Contact voor de overdracht"), h("ul", {}, items));
}

/** The popup's contact: one line with the desk and its number (a tel: link), first thing under the name. */
function contactLine(contact) {
  if (!contact || typeof contact !== "object" || !contact.phone) return contactBlock(contact);
  const digits = String(contact.phone).replace(/[^0-9+]/g, "");
  return h(
    "p",
    { class: "contact contact-line" },
    contact.desk ? `${contact.desk}: ` : "Telefoon: ",
    h("a", { href: `tel:${digits}` }, String(contact.phone)),
    contact.fictitious ? h("span", { class: "muted" }, " (fictief nummer)") : "",
  );
}

/** The provider's name, kind, stop, capacity per care type and contact, under a heading with id headingId. */
export function providerDetail(p, store, headingId) {
  const entries = store.all().filter((e) => e.provider_id === p.id);
  entries.sort((a, b) => careTypeName(a.care_type).localeCompare(careTypeName(b.care_type), "nl"));
  const stop = entries.find((e) => e.stop)?.stop;
  return [
    h("h3", { id: headingId }, p.name),
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
    entries.length
      ? h(
          "table",
          { class: "data", "aria-labelledby": headingId },
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
        )
      : h("p", { class: "muted" }, "Nog geen capaciteit gemeld."),
    contactBlock(p.contact),
  ];
}

/** The popup's short form: name, kind and place, stop, free of total per care type (the chosen one first), contact. */
export function providerSummary(p, store, careType) {
  const entries = store.all().filter((e) => e.provider_id === p.id);
  entries.sort(
    (a, b) =>
      Number(b.care_type === careType) - Number(a.care_type === careType) ||
      careTypeName(a.care_type).localeCompare(careTypeName(b.care_type), "nl"),
  );
  const stop = entries.find((e) => e.stop)?.stop;
  const state = (e) => {
    if (e.status === "stop") return "stop";
    if (e.stale) return "onbekend";
    if (e.status === "full") return "vol";
    return `${fmtAge(e.age)} geleden`;
  };
  return [
    h("h3", { id: "map-popup-h" }, p.name),
    h("p", { class: "muted" }, `${kindLabel(p.kind)} · ${p.location.name}${p.hours ? ` · open ${p.hours}` : ""}`),
    contactLine(p.contact),
    stop ? h("p", { class: "stop-line" }, h("span", { class: "tag tag-stop" }, "Stop"), ` ${stop.reason}`) : null,
    entries.length
      ? h(
          "table",
          { class: "data compact", "aria-labelledby": "map-popup-h" },
          h(
            "thead",
            {},
            h("tr", {}, h("th", { scope: "col" }, "Zorgsoort"), h("th", { scope: "col", class: "num" }, "Vrij / totaal"), h("th", { scope: "col" }, "Stand")),
          ),
          h(
            "tbody",
            {},
            entries.map((e) =>
              h(
                "tr",
                {
                  class: `st-${e.status}${e.stale ? " is-stale" : ""}${e.care_type === careType ? " chosen" : ""}`,
                  dataset: { careType: e.care_type },
                },
                h("th", { scope: "row" }, careTypeName(e.care_type)),
                h("td", { class: "num" }, `${e.free === null ? "?" : e.free} / ${e.total ?? "—"}`),
                h("td", {}, state(e)),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "Nog geen capaciteit gemeld."),
  ];
}
