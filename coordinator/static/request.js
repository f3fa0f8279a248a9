// One request after triage: urgency, target time, care types, the 112 banner, the ranked proposals with
// their reasons (annotated live from the board), the excluded alternatives, and reserve / confirm / release.
// A 409 on reserve (the place was just taken) says so and refreshes the request and its proposals.

import { explain, get, idempotencyKey, post } from "./api.js";
import { STATUS_LABELS, careTypeName, fill, fmtCountdown, fmtMinutes, fmtTime, h, listKeys, names, providerName, say } from "./dom.js";
import { DEGRADED_WORDS } from "./unrecorded.js";

const PLACE_GONE = "Place no longer available";

export class RequestPanel {
  constructor({ root, store, onChanged, onNew, onPatient, onRecord, on112, onHandover }) {
    this.root = root;
    // The header's 112 alert follows the request shown (null: none); the hand-over sheet prints a placement.
    this.on112 = on112 ?? (() => {});
    this.onHandover = onHandover ?? (() => {});
    this.store = store;
    this.onChanged = onChanged;
    this.onNew = onNew;
    this.onPatient = onPatient;
    // Record a triage the store could not record yet (an item of the unrecorded list).
    this.onRecord = onRecord;
    this.record = null;
    this.unrecorded = null;
    // One Idempotency-Key per action on a request until it is answered: a retry after "outcome unknown" reuses it.
    this.keys = new Map();
    this.taken = new Set();
    this.busy = false;
    listKeys(root, ".proposal");
    store.addEventListener("change", () => this.renderProposals());
    store.addEventListener("tick", () => this.renderProposals());
    store.addEventListener("health", () => this.renderUnrecorded());
    setInterval(() => this.tick(), 1000);
  }

  /** Show a request (after intake, or opened from the list) and move focus to it; ``unrecorded``: not stored. */
  show(record, { focus = true, unrecorded = null } = {}) {
    if (this.record?.id !== record.id) this.taken.clear();
    // Each read of a trajectory is an audited access: read it once per patient, not on every change.
    const newPatient = this.record?.patient_ref !== record.patient_ref;
    this.record = record;
    this.unrecorded = unrecorded;
    this.root.hidden = false;
    this.render();
    if (newPatient) this.onPatient?.(record.patient_ref);
    if (focus) this.root.querySelector("#req-h")?.focus();
  }

  hide() {
    this.record = null;
    this.unrecorded = null;
    this.els = null;
    this.on112(null);
    this.root.hidden = true;
    fill(this.root);
  }

  render() {
    const r = this.record;
    const urgency = names.urgencies.get(r.urgency);
    const els = {
      countdown: h("span", { class: "countdown", id: "hold-countdown" }),
      target: h("span", { class: "target-left", id: "target-left" }),
      proposals: h("div", { class: "proposals-wrap" }),
      message: h("p", { class: "error", role: "alert", id: "request-error" }),
      status: h("p", { class: "ok", role: "status", id: "request-status" }),
      unrecorded: h("div", { class: "unrecorded", id: "unrecorded" }),
    };
    this.els = els;
    this.shown = null;
    this.on112(r.escalate_112 ? r : null);
    fill(
      this.root,
      r.escalate_112
        ? h(
            "div",
            { class: "banner-112", role: "alert", id: "banner-112" },
            h("p", { class: "banner-112-title" }, "Bel 112"),
            h(
              "p",
              {},
              `Urgentie ${r.urgency}${urgency ? ` — ${urgency.label}` : ""}. `,
              "zcc plaatst deze patiënt niet: draag direct over aan de meldkamer ambulancezorg.",
            ),
          )
        : null,
      h("h3", { id: "req-h", tabindex: "-1" }, `Aanvraag voor ${r.patient_ref}`),
      this.unrecorded ? els.unrecorded : null,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Urgentie"),
        h(
          "dd",
          {},
          h("span", { class: `urgency u-${r.urgency.toLowerCase()}`, id: "req-urgency" }, r.urgency),
          urgency ? ` ${urgency.label}` : "",
        ),
        h("dt", {}, "Streeftijd"),
        h(
          "dd",
          {},
          r.escalate_112
            ? h("strong", { id: "req-target" }, "geen: Bel 112")
            : r.target_minutes === null || r.target_minutes === undefined
            ? "geen (advies)"
            : [`binnen ${r.target_minutes} min, uiterlijk ${fmtTime(deadline(r))} `, els.target],
        ),
        h("dt", {}, "Zorgsoorten"),
        h("dd", { id: "req-care-types" }, r.care_types.length ? r.care_types.map(careTypeName).join(", ") : "geen"),
        h("dt", {}, "Status"),
        h("dd", { id: "req-status" }, STATUS_LABELS[r.status] ?? r.status),
        r.triage?.reasons?.length
          ? [h("dt", {}, "Waarom"), h("dd", {}, h("ul", { class: "reasons" }, r.triage.reasons.map((x) => h("li", {}, x))))]
          : null,
        h("dt", {}, "Aanvraag"),
        h("dd", { class: "mono", id: "req-id" }, r.id),
      ),
      r.triage?.advice ? h("p", { class: "advice" }, h("strong", {}, "Advies: "), r.triage.advice) : null,
      this.holdBlock(els.countdown),
      this.placedBlock(),
      els.message,
      els.status,
      ["open", "reserved"].includes(r.status)
        ? [h("h4", { id: "proposals-h" }, "Voorstellen"), els.proposals, this.excludedBlock()]
        : null,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", id: "req-new", onclick: () => this.onNew() }, "Nieuwe intake"),
        h("button", { type: "button", id: "req-reload", onclick: () => this.refresh() }, "Aanvraag verversen"),
      ),
    );
    this.renderProposals();
    this.renderUnrecorded();
    this.tick();
  }

  /** For a triage the store has not recorded: say so, why the proposals are degraded, and offer to record it. */
  renderUnrecorded() {
    const item = this.unrecorded;
    const box = this.els?.unrecorded;
    if (!item || !box?.isConnected) return;
    const down = this.store.degraded;
    const reasons = (item.request.degraded_reasons ?? []).filter((c) => c !== "not_recorded").map((c) => DEGRADED_WORDS[c] ?? c);
    const headline =
      item.outcome === "unknown"
        ? "Niet zeker vastgelegd: de opslag van zcc antwoordde niet op tijd."
        : "Niet vastgelegd: de opslag van zcc is onbereikbaar.";
    fill(
      box,
      h("p", { class: "unrecorded-title" }, h("strong", {}, headline)),
      h(
        "p",
        {},
        "De triage hierboven geldt, maar staat nog niet in zcc. Reserveren kan pas als de aanvraag is vastgelegd. ",
        "Vastleggen gebruikt dezelfde sleutel, dus de aanvraag komt er nooit dubbel in.",
      ),
      reasons.length ? h("ul", { class: "reasons", id: "degraded-reasons" }, reasons.map((x) => h("li", {}, `Gedegradeerd: ${x}`))) : null,
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          { type: "button", class: "primary", id: "req-record", disabled: down || this.busy, onclick: () => this.recordNow() },
          "Nu vastleggen",
        ),
        down ? h("span", { class: "hint", id: "req-record-hint" }, "Kan zodra de opslag terug is.") : null,
      ),
    );
  }

  async recordNow() {
    const item = this.unrecorded;
    if (!item) return;
    say(this.els.message, "");
    this.setBusy(true);
    try {
      const record = await this.onRecord(item);
      this.busy = false;
      this.show(record, { focus: false });
      this.onPatient?.(record.patient_ref); // the care plan could not be read before
      say(this.els.status, "Vastgelegd: de aanvraag staat nu in zcc.");
      this.root.querySelector("#req-h")?.focus();
    } catch (err) {
      this.busy = false;
      say(this.els.message, `Vastleggen lukte niet: ${explain(err)}`);
    } finally {
      this.setBusy(false);
      this.renderUnrecorded();
    }
  }

  holdBlock(countdown) {
    const r = this.record;
    const hold = r.hold;
    if (r.status !== "reserved" || !hold) {
      if (hold?.status === "expired") {
        return h("p", { class: "notice" }, `De reservering van ${careTypeName(hold.care_type)} bij ${providerName(hold.provider_id)} is verlopen.`);
      }
      return null;
    }
    return h(
      "div",
      { class: "hold", id: "hold" },
      h(
        "p",
        {},
        h("strong", {}, "Gereserveerd: "),
        `${careTypeName(hold.care_type)} bij ${providerName(hold.provider_id)}`,
        hold.travel_minutes !== undefined ? ` (${fmtMinutes(hold.travel_minutes)} reistijd)` : "",
      ),
      h("p", {}, `Vastgehouden tot ${fmtTime(hold.held_until)} — nog `, countdown, " om te bevestigen."),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "primary", id: "hold-confirm", onclick: () => this.transition("confirm") }, "Bevestig plaatsing"),
        h("button", { type: "button", id: "hold-release", onclick: () => this.transition("release") }, "Geef de plek vrij"),
      ),
    );
  }

  placedBlock() {
    const p = this.record.placement;
    if (this.record.status !== "placed" || !p) return null;
    return h(
      "div",
      { class: "placed", id: "placed", role: "status", tabindex: "-1" },
      h("strong", {}, "Geplaatst: "),
      `${careTypeName(p.care_type)} bij ${providerName(p.provider_id)}, bevestigd om ${fmtTime(p.confirmed_at)}.`,
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", id: "handover-print", onclick: () => this.onHandover(this.record) }, "Overdrachtsblad afdrukken"),
      ),
    );
  }

  excludedBlock() {
    const ex = this.record.excluded ?? [];
    if (!ex.length) return null;
    return h(
      "details",
      { class: "excluded" },
      h("summary", {}, `Uitgesloten alternatieven (${ex.length})`),
      h(
        "table",
        { class: "data" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Aanbieder"),
            h("th", { scope: "col" }, "Zorgsoort"),
            h("th", { scope: "col", class: "num" }, "Reistijd"),
            h("th", { scope: "col" }, "Waarom niet"),
          ),
        ),
        h(
          "tbody",
          {},
          ex.map((e) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, providerName(e.provider_id)),
              h("td", {}, careTypeName(e.care_type)),
              h("td", { class: "num" }, fmtMinutes(e.travel_minutes)),
              h("td", {}, e.reason ?? e.excluded ?? ""),
            ),
          ),
        ),
      ),
    );
  }

  /** The proposals, re-ranked against the live board: places still free first, taken ones marked. */
  renderProposals() {
    const r = this.record;
    if (!r || !this.els?.proposals.isConnected) return;
    const wrap = this.els.proposals;
    const focusedKey = document.activeElement?.closest?.(".proposal")?.dataset.key;
    const items = (r.proposals ?? []).map((p, i) => {
      const k = `${p.provider_id}|${p.care_type}`;
      const live = this.store.get(p.provider_id, p.care_type);
      const gone = this.taken.has(k) || (live && live.status !== "free");
      return { p, rank: i + 1, k, live, gone };
    });
    items.sort((a, b) => Number(a.gone) - Number(b.gone) || a.rank - b.rank);
    // Rebuild only when something a person would see changed: a list that is rewritten under a
    // screen reader (or a keyboard user) every few seconds is hard to work in.
    const reserved = r.status === "reserved" || Boolean(this.unrecorded);
    const signature = JSON.stringify([reserved, this.busy, items.map((i) => [i.k, i.gone, i.live?.status, i.live?.free, i.live?.stop?.reason])]);
    if (signature === this.shown && wrap.childElementCount) return;
    this.shown = signature;
    if (!items.length) {
      fill(
        wrap,
        h("p", { class: "notice", id: "no-proposals" }, "Geen plek gevonden die past. Zie de uitgesloten alternatieven, of verruim de zoektocht buiten de regio."),
      );
      return;
    }
    fill(
      wrap,
      this.unrecorded
        ? h("p", { class: "hint", id: "proposals-degraded" }, "Voorstellen uit het laatst bekende bord (gedegradeerd); reserveren kan pas na vastleggen.")
        : reserved
          ? h("p", { class: "hint" }, "Geef de huidige reservering eerst vrij om een andere plek te kiezen.")
          : null,
      h(
        "ol",
        { class: "proposals", id: "proposals" },
        items.map(({ p, rank, k, live, gone }) => {
          const name = providerName(p.provider_id);
          const ct = careTypeName(p.care_type);
          const headId = `prop-${rank}`;
          return h(
            "li",
            { class: `proposal${gone ? " gone" : ""}`, dataset: { key: k, provider: p.provider_id, careType: p.care_type } },
            h(
              "div",
              { class: "p-head", id: headId },
              h("span", { class: "rank" }, `${rank}`),
              h("strong", {}, name),
              ` — ${ct}`,
            ),
            h(
              "p",
              { class: "p-meta" },
              `${fmtMinutes(p.travel_minutes)} reistijd · score ${Number(p.score).toLocaleString("nl-NL")} · `,
              liveWords(live, this.taken.has(k)),
            ),
            h("ul", { class: "reasons" }, (p.reasons ?? []).map((x) => h("li", {}, x))),
            h(
              "button",
              {
                type: "button",
                class: gone ? "reserve" : "reserve primary",
                disabled: reserved || this.busy,
                "aria-label": `Reserveer ${ct} bij ${name}`,
                onclick: () => this.reserve(p),
              },
              "Reserveer",
            ),
          );
        }),
      ),
    );
    if (focusedKey) wrap.querySelector(`.proposal[data-key="${CSS.escape(focusedKey)}"] button`)?.focus();
  }

  /** The key of an action: the same until it is answered (kept over a 503 or a lost connection, dropped on 4xx). */
  keyFor(action) {
    if (!this.keys.has(action)) this.keys.set(action, idempotencyKey());
    return this.keys.get(action);
  }

  setBusy(busy) {
    this.busy = busy;
    this.root.setAttribute("aria-busy", String(busy));
    const reserved = this.record?.status === "reserved" || Boolean(this.unrecorded);
    for (const b of this.root.querySelectorAll("button.reserve")) b.disabled = busy || reserved;
    const record = this.root.querySelector("#req-record");
    if (record) record.disabled = busy || this.store.degraded;
    for (const b of this.root.querySelectorAll("#hold-confirm, #hold-release")) b.disabled = busy;
  }

  async reserve(p) {
    const r = this.record;
    const k = `${p.provider_id}|${p.care_type}`;
    say(this.els.message, "");
    say(this.els.status, "");
    this.setBusy(true);
    try {
      const res = await post(
        `/api/v1/requests/${encodeURIComponent(r.id)}/reserve`,
        { provider_id: p.provider_id, care_type: p.care_type },
        { headers: { "Idempotency-Key": this.keyFor(`${r.id}|reserve|${k}`) } },
      );
      this.keys.clear();
      this.busy = false;
      this.show(res.request, { focus: false });
      say(this.els.status, `Plek gereserveerd: ${careTypeName(p.care_type)} bij ${providerName(p.provider_id)}. Bevestig voor ${fmtTime(res.held_until)}.`);
      this.root.querySelector("#hold-confirm")?.focus();
      this.onChanged?.();
    } catch (err) {
      this.busy = false;
      if (err.status >= 400 && err.status < 500) this.keys.clear();
      if (err.status === 409) {
        if (err.problem?.title === PLACE_GONE) this.taken.add(k);
        const what =
          err.problem?.title === PLACE_GONE
            ? `Niet gelukt: ${careTypeName(p.care_type)} bij ${providerName(p.provider_id)} is zojuist door een ander genomen (${err.message}).`
            : `Niet gelukt: ${err.message}.`;
        await this.refresh({ quiet: true });
        say(this.els.message, `${what} De voorstellen zijn ververst met de actuele capaciteit; kies een andere plek.`);
        this.root.querySelector(".proposal:not(.gone) button.reserve:not([disabled])")?.focus();
        this.onChanged?.();
      } else {
        say(this.els.message, explain(err));
      }
    } finally {
      this.setBusy(false);
    }
  }

  async transition(action) {
    const r = this.record;
    say(this.els.message, "");
    this.setBusy(true);
    try {
      const record = await post(`/api/v1/requests/${encodeURIComponent(r.id)}/${action}`, undefined, {
        headers: { "Idempotency-Key": this.keyFor(`${r.id}|${action}`) },
      });
      this.keys.clear();
      this.busy = false;
      this.show(record, { focus: false });
      say(this.els.status, action === "confirm" ? "Plaatsing bevestigd." : "De plek is vrijgegeven; de aanvraag staat weer open.");
      (this.root.querySelector(action === "confirm" ? "#placed" : ".proposal button.reserve") ?? this.root.querySelector("#req-h"))?.focus?.();
      this.onChanged?.();
    } catch (err) {
      this.busy = false;
      if (err.status >= 400 && err.status < 500) this.keys.clear();
      say(this.els.message, explain(err));
      if (err.status === 409) await this.refresh({ quiet: true, keepMessage: true });
    } finally {
      this.setBusy(false);
    }
  }

  /** GET the request again (its status may have changed elsewhere, a hold may have expired). */
  async refresh({ quiet = false, keepMessage = false } = {}) {
    if (!this.record || this.unrecorded) return; // not in the store: nothing to read back
    const message = this.els?.message.textContent;
    try {
      const record = await get(`/api/v1/requests/${encodeURIComponent(this.record.id)}`);
      this.record = record;
      this.render();
      if (keepMessage && message) say(this.els.message, message);
      if (!quiet) say(this.els.status, "Aanvraag ververst.");
    } catch (err) {
      say(this.els.message, explain(err));
    }
  }

  tick() {
    const r = this.record;
    if (!r || !this.els) return;
    if (r.status === "reserved" && r.hold) {
      const left = Date.parse(r.hold.held_until) - Date.now();
      this.els.countdown.textContent = left > 0 ? fmtCountdown(left) : "0:00 (verlopen)";
      this.els.countdown.classList.toggle("late", left < 60_000);
      if (left <= 0 && !this.expiring) {
        this.expiring = true;
        setTimeout(async () => {
          await this.refresh({ quiet: true });
          this.expiring = false;
          say(this.els.message, "De reservering is verlopen; de plek is teruggegeven. Kies opnieuw.");
        }, 1500);
      }
    }
    if (!r.escalate_112 && r.target_minutes !== null && r.target_minutes !== undefined && ["open", "reserved"].includes(r.status)) {
      const left = deadline(r).getTime() - Date.now();
      const minutes = Math.round(Math.abs(left) / 60_000);
      this.els.target.textContent = left >= 0 ? `(nog ${minutes} min)` : `(te laat: ${minutes} min over tijd)`;
      this.els.target.classList.toggle("late", left < 0);
    } else {
      this.els.target.textContent = "";
    }
  }
}

function deadline(r) {
  return new Date(Date.parse(r.created_at) + (r.target_minutes ?? 0) * 60_000);
}

function liveWords(live, taken) {
  if (taken) return h("span", { class: "tag tag-full" }, "zojuist genomen");
  if (!live) return h("span", { class: "tag tag-stale" }, "niet op het bord");
  if (live.status === "stop") return h("span", { class: "tag tag-stop" }, `stop: ${live.stop.reason}`);
  if (live.status === "stale") return h("span", { class: "tag tag-stale" }, "verouderd");
  if (live.status === "full") return h("span", { class: "tag tag-full" }, "nu vol");
  return h("span", { class: "tag tag-free" }, `nu ${live.free} vrij`);
}
