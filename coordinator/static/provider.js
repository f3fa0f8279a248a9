// Capacity by hand: a provider token gets a form for its own care types (no IT link needed).
//
// Today's numbers come prefilled from the live board; large − / + buttons change them; "Verstuur"
// posts every care type of the location in one batch (POST /api/v1/capacity), "Klopt nog" re-posts the
// numbers unchanged with a fresh reported_at, so honest data stays fresh without retyping. A stop is
// set or lifted per care type (POST /api/v1/providers/{id}/status with care_type), with a reason and an
// expected end. Errors stand beside the field they concern: the API's problem+json `field`
// (updates[i].available, reason, until, ...) is mapped back to the input.
//
// Every Dutch text of this panel is in T below, in one place, so the message catalogue can take it over.

import { ApiError, explain, idempotencyKey, post } from "./api.js";
import { careTypeName, fill, fmtTime, h, names, say } from "./dom.js";

const T = {
  title: "Capaciteit doorgeven",
  intro: "Geef per zorgsoort door hoeveel plekken nu vrij zijn. Klopt alles nog? Eén druk op ‘Klopt nog’ is genoeg.",
  free: "Vrij",
  total: "Totaal in gebruik",
  less: (what, ct) => `Eén minder ${what.toLowerCase()}: ${ct}`,
  more: (what, ct) => `Eén meer ${what.toLowerCase()}: ${ct}`,
  lastReported: (at, free, total) => `Laatst doorgegeven ${at}: ${free} van ${total} vrij`,
  neverReported: "Nog nooit doorgegeven",
  stale: "verouderd: geef de stand opnieuw door",
  held: (n) => `waarvan ${n} gereserveerd via zcc`,
  send: "Verstuur",
  confirm: "Klopt nog",
  confirmHint: "Klopt nog: dezelfde aantallen opnieuw doorgeven, met de tijd van nu.",
  confirmNothing: "Er is nog niets doorgegeven om te bevestigen: vul de aantallen in en kies Verstuur.",
  sending: "Bezig met doorgeven…",
  sent: (at) => `Doorgegeven om ${at}.`,
  confirmed: (at) => `Bevestigd om ${at}: de aantallen kloppen nog.`,
  ignored: (cts) => `Niet overgenomen voor ${cts}: er was al een nieuwere stand doorgegeven, die blijft staan.`,
  stopOpen: (ct) => `Stop melden voor ${ct}`,
  stopReason: "Reden van de stop",
  stopReasons: ["Vol", "Personeelstekort", "Infectie-uitbraak", "Technische storing"],
  stopOther: "Anders",
  stopNote: "Toelichting",
  stopNoteHint: "Verplicht bij ‘Anders’; wordt getoond aan de triagisten.",
  stopUntil: "Verwacht einde",
  stopHours: [1, 2, 4, 8, 12, 24, 72],
  hours: (n) => (n < 24 ? `over ${n} uur` : `over ${n / 24} ${n === 24 ? "dag" : "dagen"}`),
  stopUnknown: "onbekend (tot ik heropen)",
  stopSet: (ct) => `Zet stop op ${ct}`,
  stopNow: (reason, until) => `${reason}${until ? ` · verwacht tot ${until}` : ""}`,
  stopWhole: (reason, until) => `hele locatie: ${reason}${until ? ` · verwacht tot ${until}` : ""}`,
  reopen: (ct) => `Heropen ${ct}`,
  reopenWhole: "Heropen de hele locatie",
  stopDone: (ct) => `Stop op ${ct} staat erin.`,
  reopened: (ct) => `${ct} is weer open.`,
  errWhole: "Geef een heel getal van 0 of meer.",
  errAboveTotal: "Vrij kan niet meer zijn dan het totaal.",
  errTooMany: "Dat aantal is te groot.",
  errReason: "Kies een reden, of vul bij ‘Anders’ een toelichting in.",
  errNotAccepted: (detail) => `Niet geaccepteerd: ${detail}`,
  checkFields: "Controleer de gemarkeerde velden.",
};

const MAX_UNITS = 100_000;

/** The capacity form of the provider(s) a provider token is scoped to. */
export class ProviderPanel {
  constructor({ root, store }) {
    this.root = root;
    this.store = store;
    this.forms = new Map(); // provider id -> form state
    store.addEventListener("change", () => this.refresh());
  }

  /** Show the forms of these providers (the token's scope). */
  show(providerIds) {
    this.forms.clear();
    const ids = providerIds.filter((id) => names.providers.has(id));
    fill(
      this.root,
      h("h2", { id: "provider-h" }, T.title),
      h("p", { class: "hint" }, T.intro),
      ids.map((id) => this.providerForm(id)),
    );
    this.root.hidden = false;
    this.refresh();
  }

  clear() {
    this.forms.clear();
    fill(this.root);
    this.root.hidden = true;
  }

  providerForm(pid) {
    const provider = names.providers.get(pid);
    const careTypes = Object.keys(provider.care_types ?? {});
    const state = { pid, careTypes, rows: new Map(), pendingKey: null, pendingBody: null };
    const whole = h("div", { class: "pc-whole" });
    const status = h("p", { class: "ok", role: "status", dataset: { role: "status" } });
    const error = h("p", { class: "error", role: "alert", dataset: { role: "error" } });
    const sendButton = h("button", { type: "submit", class: "primary big" }, T.send);
    const confirmButton = h(
      "button",
      { type: "button", class: "big", "aria-describedby": `pc-confirm-hint-${pid}` },
      T.confirm,
    );
    const form = h(
      "form",
      { class: "pc-form", novalidate: true, dataset: { provider: pid }, "aria-labelledby": `pc-h-${pid}` },
      h("h3", { id: `pc-h-${pid}` }, provider.name ?? pid),
      whole,
      careTypes.map((ct) => this.careTypeRow(state, ct)),
      h(
        "div",
        { class: "actions pc-actions" },
        sendButton,
        confirmButton,
      ),
      h("p", { class: "hint", id: `pc-confirm-hint-${pid}` }, T.confirmHint),
      status,
      error,
    );
    Object.assign(state, { form, whole, status, error, sendButton, confirmButton });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.send(state, false);
    });
    confirmButton.addEventListener("click", () => this.send(state, true));
    this.forms.set(pid, state);
    return form;
  }

  careTypeRow(state, ct) {
    const id = `pc-${state.pid}-${ct}`;
    const name = careTypeName(ct);
    const stepper = (what, field) => {
      const input = h("input", {
        id: `${id}-${field}`,
        type: "number",
        min: "0",
        max: String(MAX_UNITS),
        step: "1",
        inputmode: "numeric",
        class: "pc-num",
        dataset: { field },
        "aria-describedby": `${id}-${field}-err`,
      });
      const err = h("p", { class: "error field-error", id: `${id}-${field}-err` });
      const bump = (delta) => {
        const n = Number.parseInt(input.value || "0", 10);
        input.value = String(Math.max(0, (Number.isFinite(n) ? n : 0) + delta));
        input.dispatchEvent(new Event("input", { bubbles: true }));
      };
      const minus = h("button", { type: "button", class: "step", "aria-label": T.less(what, name), onclick: () => bump(-1) }, "−");
      const plus = h("button", { type: "button", class: "step", "aria-label": T.more(what, name), onclick: () => bump(1) }, "+");
      input.addEventListener("input", () => {
        row.dirty = true;
        say(err, "");
        input.removeAttribute("aria-invalid");
        this.syncButtons(state);
      });
      return { el: h("div", { class: "stepper" }, h("label", { for: input.id }, what), h("div", { class: "step-row" }, minus, input, plus), err), input, err };
    };
    const free = stepper(T.free, "available");
    const total = stepper(T.total, "total");
    const row = {
      ct,
      dirty: false,
      free,
      total,
      last: h("p", { class: "pc-last", id: `${id}-last` }),
      stop: h("div", { class: "pc-stop" }),
      stopErr: h("p", { class: "error field-error", id: `${id}-stop-err` }),
    };
    state.rows.set(ct, row);
    return h(
      "fieldset",
      { class: "pc-type", dataset: { careType: ct }, id },
      h("legend", {}, name),
      row.last,
      h("div", { class: "pc-counts" }, free.el, total.el),
      row.stop,
      row.stopErr,
    );
  }

  /** Prefill from the board (fields the person has not touched) and show each care type's state. */
  refresh() {
    for (const state of this.forms.values()) {
      let wholeStop = null;
      for (const row of state.rows.values()) {
        const e = this.store.get(state.pid, row.ct);
        if (!row.dirty && e) {
          row.free.input.value = e.reported_at ? String(e.available ?? 0) : "";
          row.total.input.value = String(e.total ?? "");
        }
        const lines = [];
        if (e?.reported_at) {
          lines.push(T.lastReported(fmtTime(e.reported_at), e.available, e.total));
          if (e.held) lines.push(` (${T.held(e.held)})`);
          if (e.stale) lines.push(" — ", h("strong", {}, T.stale));
        } else {
          lines.push(T.neverReported);
        }
        fill(row.last, lines);
        row.last.classList.toggle("is-stale", Boolean(e?.stale));
        const stop = e?.stop ?? null;
        if (stop && !stop.care_type) wholeStop = stop;
        this.paintStop(state, row, stop && stop.care_type ? stop : null);
      }
      this.paintWhole(state, wholeStop);
      this.syncButtons(state);
    }
  }

  syncButtons(state) {
    const dirty = [...state.rows.values()].some((r) => r.dirty);
    const reported = [...state.rows.values()].some((r) => this.store.get(state.pid, r.ct)?.reported_at);
    // "Klopt nog" confirms what is on the board; with numbers changed, Verstuur is the one to use.
    state.confirmButton.disabled = dirty || !reported || state.busy;
    state.sendButton.disabled = Boolean(state.busy);
  }

  paintWhole(state, stop) {
    const key = stop ? `${stop.reason}|${stop.until}` : "";
    if (state.whole.dataset.key === key) return;
    state.whole.dataset.key = key;
    if (!stop) {
      fill(state.whole);
      return;
    }
    fill(
      state.whole,
      h("p", { class: "stop-line" }, h("span", { class: "tag tag-stop" }, "Stop"), " ", T.stopWhole(stop.reason, stop.until ? fmtTime(stop.until) : "")),
      h("button", { type: "button", onclick: () => this.setStatus(state, null, { status: "open" }) }, T.reopenWhole),
    );
  }

  paintStop(state, row, stop) {
    const name = careTypeName(row.ct);
    const key = stop ? `stop|${stop.reason}|${stop.until}` : "open";
    if (row.stop.dataset.key === key) return;
    // Keep a half-filled stop form open while the board changes under it.
    if (key === "open" && row.stop.dataset.key === "open") return;
    row.stop.dataset.key = key;
    if (stop) {
      fill(
        row.stop,
        h("p", { class: "stop-line" }, h("span", { class: "tag tag-stop" }, "Stop"), " ", T.stopNow(stop.reason, stop.until ? fmtTime(stop.until) : "")),
        h("button", { type: "button", class: "big", onclick: () => this.setStatus(state, row, { status: "open" }) }, T.reopen(name)),
      );
      return;
    }
    const id = `pc-${state.pid}-${row.ct}-stop`;
    const reasons = [...T.stopReasons, T.stopOther];
    const note = h("input", { id: `${id}-note`, type: "text", maxlength: "200", autocomplete: "off", "aria-describedby": `${id}-note-hint ${id}-err` });
    const until = h(
      "select",
      { id: `${id}-until`, "aria-describedby": `${id}-err` },
      T.stopHours.map((n) => h("option", { value: String(n), selected: n === 4 }, T.hours(n))),
      h("option", { value: "" }, T.stopUnknown),
    );
    const choice = h(
      "fieldset",
      { class: "reason-chips plain" },
      h("legend", {}, T.stopReason),
      reasons.map((r, i) =>
        h("label", { class: "chip" }, h("input", { type: "radio", name: `${id}-reason`, value: r, dataset: { index: String(i) } }), ` ${r}`),
      ),
    );
    const details = h(
      "details",
      { class: "pc-stop-form" },
      h("summary", {}, T.stopOpen(name)),
      choice,
      h("div", { class: "field" }, h("label", { for: note.id }, T.stopNote), note, h("p", { class: "hint", id: `${id}-note-hint` }, T.stopNoteHint)),
      h("div", { class: "field" }, h("label", { for: until.id }, T.stopUntil), until),
      h(
        "button",
        {
          type: "button",
          class: "danger big",
          onclick: () => {
            const picked = choice.querySelector("input:checked")?.value ?? "";
            const text = note.value.trim();
            let reason = picked === T.stopOther ? text : [picked, text].filter(Boolean).join(": ");
            if (!picked || (picked === T.stopOther && !text)) reason = "";
            if (!reason) {
              this.fieldError(row.stopErr, T.errReason, picked === T.stopOther ? note : choice.querySelector("input"));
              return;
            }
            const hours = Number(until.value);
            const body = { status: "stop", reason };
            if (hours) body.until = new Date(Date.now() + hours * 3_600_000).toISOString();
            this.setStatus(state, row, body, { reason: choice.querySelector("input"), until, note });
          },
        },
        T.stopSet(name),
      ),
    );
    fill(row.stop, details);
  }

  fieldError(el, text, input) {
    say(el, text);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  /** Check the numbers in the page first (Dutch errors beside the field), then post them in one batch. */
  async send(state, unchanged) {
    say(state.status, "");
    say(state.error, "");
    const updates = [];
    const inputs = [];
    let firstBad = null;
    for (const row of state.rows.values()) {
      const e = this.store.get(state.pid, row.ct);
      if (unchanged) {
        if (!e?.reported_at) continue; // nothing reported yet: nothing to confirm
        updates.push({ provider_id: state.pid, care_type: row.ct, available: e.available, total: e.total });
        inputs.push(row);
        continue;
      }
      if (!row.dirty && !e?.reported_at) continue; // never reported and not filled in: nothing to say yet
      const free = parseCount(row.free.input.value);
      const total = parseCount(row.total.input.value);
      let bad = false;
      for (const [n, part] of [[free, row.free], [total, row.total]]) {
        const msg = n === null ? T.errWhole : n > MAX_UNITS ? T.errTooMany : "";
        say(part.err, msg);
        part.input.toggleAttribute("aria-invalid", Boolean(msg));
        if (msg) {
          bad = true;
          firstBad ??= part.input;
        }
      }
      if (!bad && free > total) {
        say(row.free.err, T.errAboveTotal);
        row.free.input.setAttribute("aria-invalid", "true");
        firstBad ??= row.free.input;
        bad = true;
      }
      if (!bad) {
        updates.push({ provider_id: state.pid, care_type: row.ct, available: free, total });
        inputs.push(row);
      }
    }
    if (firstBad) {
      say(state.error, T.checkFields);
      firstBad.focus();
      return;
    }
    if (!updates.length) {
      say(state.error, T.confirmNothing);
      return;
    }
    // Milliseconds, so a "Klopt nog" right after "Verstuur" is newer and not ignored as an old report.
    const reportedAt = new Date().toISOString();
    const body = { updates: updates.map((u) => ({ ...u, reported_at: reportedAt })) };
    // A retry of the same numbers after an unknown outcome keeps its key: zcc applies it once.
    const signature = JSON.stringify(updates);
    if (state.pendingBody !== signature) {
      state.pendingBody = signature;
      state.pendingKey = idempotencyKey();
    }
    state.busy = true;
    this.syncButtons(state);
    say(state.status, T.sending);
    try {
      const answer = await post("/api/v1/capacity", body, { headers: { "Idempotency-Key": state.pendingKey } });
      state.pendingBody = null;
      for (const row of inputs) row.dirty = false;
      const at = fmtTime(reportedAt);
      const ignored = (answer?.results ?? []).filter((r) => r.status === "stale_ignored").map((r) => careTypeName(r.care_type));
      say(state.status, ignored.length ? T.ignored(ignored.join(", ")) : unchanged ? T.confirmed(at) : T.sent(at));
    } catch (err) {
      say(state.status, "");
      this.showApiError(state, err, (field) => {
        const m = /^updates\[(\d+)\]\.(available|total)$/.exec(field ?? "");
        if (!m) return null;
        const row = inputs[Number(m[1])];
        return row ? (m[2] === "available" ? row.free : row.total) : null;
      });
    } finally {
      state.busy = false;
      this.syncButtons(state);
      this.refresh();
    }
  }

  async setStatus(state, row, body, inputs = {}) {
    say(state.status, "");
    say(state.error, "");
    if (row) say(row.stopErr, "");
    const name = row ? careTypeName(row.ct) : names.providers.get(state.pid)?.name ?? state.pid;
    try {
      await post(`/api/v1/providers/${encodeURIComponent(state.pid)}/status`, row ? { ...body, care_type: row.ct } : body, {
        headers: { "Idempotency-Key": idempotencyKey() },
      });
      say(state.status, body.status === "stop" ? T.stopDone(name) : T.reopened(name));
    } catch (err) {
      this.showApiError(state, err, (field) => {
        if (!row || !["reason", "until", "care_type"].includes(field)) return null;
        return { err: row.stopErr, input: inputs[field === "reason" ? "note" : field] ?? null };
      });
    }
  }

  /** An API error beside its field when the problem names one that is on the form; else under the form. */
  showApiError(state, err, locate) {
    const field = err instanceof ApiError ? err.field : null;
    const part = field ? locate(field) : null;
    const text = err instanceof ApiError && err.status === 422 ? T.errNotAccepted(err.message) : explain(err);
    if (part) {
      this.fieldError(part.err, text, part.input);
      say(state.error, T.checkFields);
    } else {
      say(state.error, text);
    }
  }
}

/** A whole number of 0 or more from an input's text, or null. */
function parseCount(text) {
  const t = String(text ?? "").trim();
  if (!/^\d+$/.test(t)) return null;
  return Number.parseInt(t, 10);
}
