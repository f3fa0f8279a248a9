// The open requests (GET /api/v1/requests): urgency, how long each has waited against its target window
// (overdue in red), its hold if any; and the batch optimisation (POST /api/v1/optimize), whose proposed
// assignment is shown first: nothing is reserved until someone chooses a line.

import { explain, get, idempotencyKey, post } from "./api.js";
import { careTypeName, fill, fmtCountdown, fmtMinutes, h, listKeys, names, providerName, say } from "./dom.js";

const POLL_MS = 15_000;

export class RequestQueue {
  constructor({ body, empty, error, optimizeView, refreshButton, optimizeButton, onOpen, unrecorded, store, onRecord }) {
    this.body = body;
    listKeys(body, "tr");
    this.empty = empty;
    this.error = error;
    this.optimizeView = optimizeView;
    listKeys(optimizeView, "#optimize-table tbody tr");
    this.optimizeButton = optimizeButton;
    this.onOpen = onOpen;
    // Triaged while the store could not record them: listed first, "niet vastgelegd", with a button to record.
    this.unrecorded = unrecorded;
    this.store = store;
    this.onRecord = onRecord;
    unrecorded.addEventListener("change", () => this.render());
    store.addEventListener("health", () => this.render());
    this.requests = [];
    this.rows = new Map();
    this.timer = null;
    refreshButton.addEventListener("click", () => this.load());
    optimizeButton.addEventListener("click", () => this.optimize());
    setInterval(() => this.tick(), 1000);
  }

  start() {
    this.load();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.load(), POLL_MS);
  }

  stop() {
    clearInterval(this.timer);
  }

  async load() {
    try {
      const data = await get("/api/v1/requests");
      this.requests = data.requests ?? [];
      say(this.error, "");
      this.render();
    } catch (err) {
      say(this.error, err.status === 403 ? "Deze rol mag de aanvragen niet zien." : explain(err));
    }
  }

  render() {
    // Rebuilding the rows must not throw keyboard focus away: remember which button had it.
    const active = document.activeElement;
    const focusRow = this.body.contains(active) ? active.closest("tr")?.dataset.request : null;
    this.rows.clear();
    fill(
      this.body,
      this.unrecorded.items.map((item) => this.unrecordedRow(item)),
      this.requests.map((r) => {
        const wait = h("span", { class: "wait" });
        const hold = h("span", { class: "hold-left" });
        const tr = h(
          "tr",
          { dataset: { request: r.id } },
          h("td", {}, h("span", { class: `urgency u-${r.urgency.toLowerCase()}` }, r.urgency)),
          h("th", { scope: "row", class: "mono" }, r.patient_ref),
          h("td", {}, names.complaints.get(r.complaint) ?? r.complaint),
          h("td", {}, wait),
          h(
            "td",
            {},
            r.status === "reserved" && r.hold
              ? [`${careTypeName(r.hold.care_type)} bij ${providerName(r.hold.provider_id)} `, hold]
              : "—",
          ),
          h(
            "td",
            {},
            h(
              "button",
              { type: "button", class: "small", "aria-label": `Open aanvraag van ${r.patient_ref}`, onclick: () => this.onOpen(r) },
              "Open",
            ),
          ),
        );
        this.rows.set(r.id, { tr, wait, hold, r });
        return tr;
      }),
    );
    this.empty.hidden = this.requests.length + this.unrecorded.items.length > 0;
    this.tick();
    if (focusRow) this.body.querySelector(`tr[data-request="${CSS.escape(focusRow)}"] button`)?.focus();
  }

  /** A triage the store has not recorded: marked, openable, and recordable once the store is back. */
  unrecordedRow(item) {
    const r = item.request;
    const wait = h("span", { class: "wait" });
    const down = this.store.degraded;
    const tr = h(
      "tr",
      { class: "unrecorded-row", dataset: { unrecorded: item.key } },
      h("td", {}, h("span", { class: `urgency u-${r.urgency.toLowerCase()}` }, r.urgency)),
      h("th", { scope: "row", class: "mono" }, r.patient_ref),
      h("td", {}, names.complaints.get(r.complaint) ?? r.complaint),
      h("td", {}, wait),
      h("td", {}, h("span", { class: "tag tag-unrecorded" }, item.outcome === "unknown" ? "niet zeker vastgelegd" : "niet vastgelegd")),
      h(
        "td",
        { class: "row-actions" },
        h(
          "button",
          { type: "button", class: "small", "aria-label": `Open triage van ${r.patient_ref} (niet vastgelegd)`, onclick: () => this.onOpen(r, item) },
          "Open",
        ),
        h(
          "button",
          {
            type: "button",
            class: "small primary record",
            disabled: down,
            title: down ? "Kan zodra de opslag terug is" : null,
            "aria-label": `Leg de aanvraag van ${r.patient_ref} nu vast`,
            onclick: async (ev) => {
              ev.currentTarget.disabled = true;
              try {
                await this.onRecord(item);
                say(this.error, "");
                this.load();
              } catch (err) {
                say(this.error, `Vastleggen lukte niet: ${explain(err)}`);
                this.render();
              }
            },
          },
          "Vastleggen",
        ),
      ),
    );
    this.rows.set(`unrecorded:${item.key}`, { tr, wait, hold: h("span"), r });
    return tr;
  }

  tick() {
    const now = Date.now();
    for (const { tr, wait, hold, r } of this.rows.values()) {
      const waited = (now - Date.parse(r.created_at)) / 60_000;
      const target = r.target_minutes;
      const over = !r.escalate_112 && target !== null && target !== undefined && waited > target;
      wait.textContent = r.escalate_112
        ? "Bel 112"
        : target === null || target === undefined
          ? `${Math.floor(waited)} min`
          : `${Math.floor(waited)} van ${target} min${over ? " — te laat" : ""}`;
      tr.classList.toggle("overdue", over);
      if (r.status === "reserved" && r.hold) {
        const left = Date.parse(r.hold.held_until) - now;
        hold.textContent = left > 0 ? `(nog ${fmtCountdown(left)})` : "(verlopen)";
      }
    }
  }

  async optimize() {
    const view = this.optimizeView;
    this.optimizeButton.disabled = true;
    fill(view, h("p", { class: "muted" }, "Optimalisatie loopt…"));
    try {
      await this.load();
      const result = await post("/api/v1/optimize", undefined);
      this.showResult(result);
    } catch (err) {
      fill(view, h("p", { class: "error", role: "alert" }, explain(err)));
    } finally {
      this.optimizeButton.disabled = false;
    }
  }

  showResult(result) {
    const byId = new Map(this.requests.map((r) => [r.id, r]));
    const message = h("p", { class: "error", role: "alert" });
    const assignments = result.assignments ?? [];
    const unassigned = result.unassigned ?? [];
    fill(
      this.optimizeView,
      h("h3", { id: "optimize-h" }, "Voorstel van de optimalisatie"),
      h(
        "p",
        { class: "notice" },
        `Status ${result.status}, totale kosten ${fmtMinutes(result.objective)}. `,
        h("strong", {}, "Er is nog niets gereserveerd:"),
        " controleer het voorstel en reserveer per regel.",
      ),
      assignments.length
        ? h(
            "table",
            { class: "data", id: "optimize-table", "aria-labelledby": "optimize-h" },
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                h("th", { scope: "col" }, "Urgentie"),
                h("th", { scope: "col" }, "Patiënt"),
                h("th", { scope: "col" }, "Voorgestelde plek"),
                h("th", { scope: "col", class: "num" }, "Reistijd"),
                h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actie")),
              ),
            ),
            h(
              "tbody",
              {},
              assignments.map((a) => {
                const r = byId.get(a.request_id);
                const cell = h("td", {});
                const button = h(
                  "button",
                  {
                    type: "button",
                    class: "small",
                    "aria-label": `Reserveer ${careTypeName(a.care_type)} bij ${providerName(a.provider_id)} voor ${r?.patient_ref ?? a.request_id}`,
                    onclick: async () => {
                      button.disabled = true;
                      say(message, "");
                      try {
                        await post(
                          `/api/v1/requests/${encodeURIComponent(a.request_id)}/reserve`,
                          { provider_id: a.provider_id, care_type: a.care_type },
                          { headers: { "Idempotency-Key": idempotencyKey() } },
                        );
                        fill(cell, h("span", { class: "tag tag-free" }, "gereserveerd"));
                        this.load();
                      } catch (err) {
                        button.disabled = false;
                        say(message, explain(err));
                      }
                    },
                  },
                  "Reserveer",
                );
                cell.append(button);
                return h(
                  "tr",
                  { dataset: { request: a.request_id } },
                  h("td", {}, r ? h("span", { class: `urgency u-${r.urgency.toLowerCase()}` }, r.urgency) : "—"),
                  h("th", { scope: "row", class: "mono" }, r?.patient_ref ?? a.request_id),
                  h("td", {}, `${careTypeName(a.care_type)} bij ${providerName(a.provider_id)}`),
                  h("td", { class: "num" }, fmtMinutes(a.travel_minutes)),
                  cell,
                );
              }),
            ),
          )
        : h("p", { class: "muted" }, "Geen toewijzingen voorgesteld."),
      unassigned.length
        ? [
            h("h4", {}, `Zonder plek (${unassigned.length})`),
            h(
              "ul",
              { class: "unassigned" },
              unassigned.map((u) => h("li", {}, `${byId.get(u.request_id)?.patient_ref ?? u.request_id}: ${u.reason}`)),
            ),
          ]
        : null,
      message,
    );
    this.optimizeView.querySelector("#optimize-h")?.setAttribute("tabindex", "-1");
    this.optimizeView.querySelector("#optimize-h")?.focus();
  }
}
