// The intake form: complaint (ingangsklacht) and its questions in the protocol's order, age, location,
// pseudonymous patient reference, flags and context; POST /api/v1/requests. The questions come from
// GET /api/v1/triage/protocol, so a region that changes its protocol file changes this form with it.

import { ApiError, explain, idempotencyKey, post } from "./api.js";
import { fill, h, say } from "./dom.js";
import { unrecordedAnswer } from "./unrecorded.js";

const PATIENT_REF = /^[A-Za-z0-9._:-]{1,64}$/;
const POSTCODE = /^[1-9][0-9]{3}$/;
// A context modifier that is the same fact as one of the patient's flags: asked once (as the flag). The
// service counts the flag as the modifier too (one rule, coordinator/requests/intake.py one_fact).
const FLAG_MODIFIERS = { frail_elderly: "fl-frail" };

class FormError extends Error {
  constructor(message, focus) {
    super(message);
    this.focus = focus;
  }
}

export class IntakeForm {
  constructor({ form, onCreated, onUnrecorded }) {
    this.form = form;
    this.onCreated = onCreated;
    // Triaged, but the store could not record it: shown, kept and recorded later with the same key.
    this.onUnrecorded = onUnrecorded;
    // The key of the last submission that got no answer: sending the same body again reuses it (never twice).
    this.pending = null;
    this.$ = (id) => document.getElementById(id);
    this.protocol = null;
    this.complaint = null;
    this.answers = new Map();
    this.locations = [];
    this.complaintSelect = this.$("in-complaint");
    this.complaintSelect.addEventListener("change", () => this.selectComplaint(this.complaintSelect.value));
    this.$("in-age").addEventListener("input", () => this.ageHint());
    for (const radio of form.querySelectorAll('input[name="loc-mode"]')) {
      radio.addEventListener("change", () => this.locationMode());
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.$("in-reset").addEventListener("click", () => this.reset());
  }

  setProtocol(protocol) {
    this.protocol = protocol;
    fill(
      this.complaintSelect,
      h("option", { value: "" }, "— kies de ingangsklacht —"),
      protocol.complaints.map((c) => h("option", { value: c.id }, c.name)),
    );
  }

  setLocations(locations) {
    this.locations = [...locations].sort((a, b) => a.name.localeCompare(b.name, "nl"));
    fill(
      this.$("in-place"),
      h("option", { value: "" }, "— kies de woonplaats —"),
      this.locations.map((l) => h("option", { value: l.id }, l.name)),
    );
  }

  selectComplaint(id) {
    this.complaint = this.protocol?.complaints.find((c) => c.id === id) ?? null;
    this.answers.clear();
    this.renderQuestions();
    this.renderModifiers();
    this.ageHint();
  }

  renderQuestions() {
    const list = this.$("in-question-list");
    const box = this.$("in-questions");
    if (!this.complaint) {
      box.hidden = true;
      fill(list);
      return;
    }
    box.hidden = false;
    fill(
      list,
      this.complaint.questions.map((q, i) => {
        const name = `q-${q.id}`;
        const radio = (value, text) =>
          h(
            "label",
            { class: "choice" },
            h("input", { type: "radio", name, value, id: `${name}-${value}`, onchange: () => this.answer(q.id, value === "ja") }),
            ` ${text}`,
          );
        return h(
          "li",
          { dataset: { question: q.id } },
          h(
            "fieldset",
            { class: "question" },
            h("legend", {}, h("span", { class: "q-num" }, `${i + 1}. `), q.text),
            h("div", { class: "choice-row" }, radio("ja", "Ja"), radio("nee", "Nee")),
          ),
        );
      }),
    );
    this.showQuestions();
  }

  answer(questionId, yes) {
    this.answers.set(questionId, yes);
    // A yes decides: the questions after it are not asked, so forget what they said.
    const order = this.complaint.questions.map((q) => q.id);
    if (yes) {
      for (const later of order.slice(order.indexOf(questionId) + 1)) {
        this.answers.delete(later);
        for (const input of this.form.querySelectorAll(`input[name="q-${later}"]`)) input.checked = false;
      }
    }
    this.showQuestions();
  }

  /** Show a question only while every earlier one is answered "nee". */
  showQuestions() {
    let open = true;
    let decided = null;
    for (const q of this.complaint.questions) {
      const li = this.form.querySelector(`li[data-question="${q.id}"]`);
      li.hidden = !open;
      const a = this.answers.get(q.id);
      if (open && a === true) decided = q;
      if (a !== false) open = false;
    }
    const allNo = this.complaint.questions.every((q) => this.answers.get(q.id) === false);
    const note = this.$("in-question-note");
    if (decided) note.textContent = "Deze ‘ja’ beslist de urgentie; de volgende vragen vervallen.";
    else if (allNo) note.textContent = "Alle vragen ‘nee’: de standaarduitkomst van deze ingangsklacht geldt.";
    else note.textContent = "";
  }

  renderModifiers() {
    const box = this.$("in-modifiers");
    const list = this.$("in-modifier-list");
    const mods = (this.protocol?.modifiers ?? []).filter(
      (m) => !(m.id in FLAG_MODIFIERS) && (!m.applies_to || (this.complaint && m.applies_to.includes(this.complaint.id))),
    );
    box.hidden = !this.complaint || mods.length === 0;
    const previous = new Map([...list.querySelectorAll("input")].map((i) => [i.id, i.type === "checkbox" ? i.checked : i.value]));
    fill(
      list,
      mods.map((m) => {
        const id = `mod-${m.id}`;
        if (m.type === "int") {
          const [lo, hi] = m.range ?? [0, 10];
          return h(
            "div",
            { class: "field field-inline" },
            h("label", { for: id }, `${m.label} (${lo}–${hi})`),
            h("input", { id, type: "number", min: lo, max: hi, step: 1, inputmode: "numeric", dataset: { modifier: m.id, kind: "int" }, value: previous.get(id) ?? "" }),
          );
        }
        return h(
          "label",
          { class: "choice" },
          h("input", { id, type: "checkbox", dataset: { modifier: m.id, kind: "bool" }, checked: previous.get(id) ?? false }),
          ` ${m.label}`,
        );
      }),
    );
  }

  ageHint() {
    const hint = this.$("in-complaint-hint");
    const c = this.complaint;
    const age = Number.parseInt(this.$("in-age").value, 10);
    hint.hidden = true;
    if (!c || Number.isNaN(age)) return;
    const tooYoung = c.age_min !== null && c.age_min !== undefined && age < c.age_min;
    const tooOld = c.age_max !== null && c.age_max !== undefined && age > c.age_max;
    if (tooYoung || tooOld) {
      const alt = this.protocol.complaints.find((x) => x.id === c.alternative);
      hint.textContent =
        `Deze ingangsklacht is bedoeld voor ${ageRange(c)}.` + (alt ? ` Kies voor deze leeftijd ‘${alt.name}’.` : "");
      hint.hidden = false;
    }
  }

  locationMode() {
    const mode = this.form.querySelector('input[name="loc-mode"]:checked').value;
    for (const el of this.form.querySelectorAll("[data-loc]")) el.hidden = el.dataset.loc !== mode;
    return mode;
  }

  /** The request body, or a FormError naming what is missing and where to go. */
  collect() {
    const c = this.complaint;
    if (!c) throw new FormError("Kies eerst de ingangsklacht.", this.complaintSelect);
    const answers = {};
    for (const [i, q] of c.questions.entries()) {
      const a = this.answers.get(q.id);
      if (a === undefined) {
        throw new FormError(`Beantwoord vraag ${i + 1}: ${q.text}`, this.$(`q-${q.id}-ja`));
      }
      answers[q.id] = a;
      if (a) break;
    }
    const ageInput = this.$("in-age");
    const age = Number(ageInput.value);
    if (ageInput.value.trim() === "" || !Number.isInteger(age) || age < 0 || age > 120) {
      throw new FormError("Vul de leeftijd in: een heel getal van 0 tot en met 120.", ageInput);
    }
    const refInput = this.$("in-ref");
    const ref = refInput.value.trim();
    if (!PATIENT_REF.test(ref)) {
      throw new FormError(
        "Vul een pseudonieme patiëntreferentie in (letters, cijfers en . _ : -; geen naam, geen spaties).",
        refInput,
      );
    }
    const location = this.location();
    const context = {};
    for (const input of this.form.querySelectorAll("#in-modifier-list input")) {
      if (input.dataset.kind === "bool" && input.checked) context[input.dataset.modifier] = true;
      if (input.dataset.kind === "int" && input.value.trim() !== "") {
        const value = Number(input.value);
        if (!Number.isInteger(value) || value < Number(input.min) || value > Number(input.max)) {
          throw new FormError(`${input.labels[0]?.textContent ?? input.dataset.modifier}: een heel getal binnen het bereik.`, input);
        }
        context[input.dataset.modifier] = value;
      }
    }
    const flags = {
      can_return_home: this.$("fl-home").checked,
      wlz_indication: this.$("fl-wlz").checked,
      psychogeriatric: this.$("fl-pg").checked,
      frail_elderly: this.$("fl-frail").checked,
    };
    return { patient_ref: ref, age, location, complaint: c.id, answers, context, flags };
  }

  location() {
    const mode = this.locationMode();
    if (mode === "place") {
      const select = this.$("in-place");
      const place = this.locations.find((l) => l.id === select.value);
      if (!place) throw new FormError("Kies de woonplaats van de patiënt.", select);
      return { lat: place.lat, lon: place.lon };
    }
    if (mode === "coords") {
      const lat = this.$("in-lat");
      const lon = this.$("in-lon");
      const la = Number(lat.value);
      const lo = Number(lon.value);
      if (lat.value.trim() === "" || !Number.isFinite(la) || la < -90 || la > 90) {
        throw new FormError("Vul de breedtegraad in (bijvoorbeeld 50.85).", lat);
      }
      if (lon.value.trim() === "" || !Number.isFinite(lo) || lo < -180 || lo > 180) {
        throw new FormError("Vul de lengtegraad in (bijvoorbeeld 5.70).", lon);
      }
      return { lat: la, lon: lo };
    }
    const pc = this.$("in-postcode");
    if (!POSTCODE.test(pc.value.trim())) throw new FormError("Vul een postcode van 4 cijfers in (bijvoorbeeld 6211).", pc);
    return { postcode: pc.value.trim() };
  }

  async submit() {
    const error = this.$("intake-error");
    say(error, "");
    let body;
    try {
      body = this.collect();
    } catch (err) {
      if (!(err instanceof FormError)) throw err;
      say(error, err.message);
      err.focus?.focus();
      return;
    }
    const button = this.$("in-submit");
    button.disabled = true;
    this.form.setAttribute("aria-busy", "true");
    const text = JSON.stringify(body);
    const key = this.pending?.text === text ? this.pending.key : idempotencyKey();
    this.pending = { key, text };
    try {
      const record = await post("/api/v1/requests", body, { headers: { "Idempotency-Key": key } });
      this.pending = null;
      this.onCreated(record);
    } catch (err) {
      const answer = unrecordedAnswer(err);
      if (answer) {
        this.pending = null;
        this.onUnrecorded(key, body, answer);
        return;
      }
      if (err instanceof ApiError && err.status >= 400 && err.status < 500) this.pending = null;
      say(error, explain(err));
      if (err instanceof ApiError) this.fieldOf(err.field)?.focus();
    } finally {
      button.disabled = false;
      this.form.removeAttribute("aria-busy");
    }
  }

  /** The control a problem's ``field`` points at. */
  fieldOf(field) {
    if (!field) return null;
    const simple = {
      patient_ref: "in-ref",
      age: "in-age",
      complaint: "in-complaint",
      "location.postcode": "in-postcode",
      "location.lat": "in-lat",
      "location.lon": "in-lon",
      lat: "in-lat",
      lon: "in-lon",
    };
    if (simple[field]) return this.$(simple[field]);
    if (field.startsWith("answers.")) return this.$(`q-${field.slice(8)}-ja`);
    if (field.startsWith("context.")) return this.$(`mod-${field.slice(8)}`);
    if (field === "location") return this.form.querySelector('input[name="loc-mode"]:checked');
    return null;
  }

  reset() {
    this.form.reset();
    this.selectComplaint("");
    this.locationMode();
    say(this.$("intake-error"), "");
  }
}

function ageRange(c) {
  if (c.age_min !== null && c.age_max !== null) return `leeftijden ${c.age_min} tot en met ${c.age_max}`;
  if (c.age_min !== null) return `leeftijden vanaf ${c.age_min}`;
  return `leeftijden tot en met ${c.age_max}`;
}
