// Requests triaged while the store could not record them. The service still answers the triage (urgency,
// the 112 advice, proposals from the board in memory) with 503 and "recorded": false; the page shows it,
// keeps it in this tab (sessionStorage) marked "niet vastgelegd", and records it when the store is back by
// sending the same body with the same Idempotency-Key: the service derives the request's id from the key,
// so however often it is sent, the request exists once.

import { ApiError, post } from "./api.js";
import { labels } from "./dom.js";

const STORAGE_KEY = "zcc.unrecorded";

/** The problem of an answer that carries a triage that is not (known to be) recorded, or null. */
export function unrecordedAnswer(err) {
  if (err instanceof ApiError && err.status === 503 && err.problem?.recorded === false && err.problem.request) {
    return err.problem;
  }
  return null;
}

/** Words for why proposals are degraded (the service sends codes; the catalogue's label("degraded", code)). */
export const DEGRADED_WORDS = new Proxy({}, { get: (_, code) => (typeof code === "string" ? labels.degraded?.[code] : undefined) });

export class UnrecordedList extends EventTarget {
  constructor() {
    super();
    this.items = load();
  }

  /** Keep a triage the service could not record: its key, the body it was sent with, and the answer. */
  add(key, body, answer) {
    const item = { key, body, request: answer.request, outcome: answer.outcome ?? "not_recorded", at: Date.now() };
    this.items = [...this.items.filter((i) => i.key !== key), item];
    this.changed();
    return item;
  }

  get(key) {
    return this.items.find((i) => i.key === key) ?? null;
  }

  remove(key) {
    this.items = this.items.filter((i) => i.key !== key);
    this.changed();
  }

  clear() {
    this.items = [];
    this.changed();
  }

  /** Record one now, with its own key; resolves to the stored request. Still not possible: rejects, item kept. */
  async record(item) {
    try {
      const record = await post("/api/v1/requests", item.body, { headers: { "Idempotency-Key": item.key } });
      this.remove(item.key);
      return record;
    } catch (err) {
      const answer = unrecordedAnswer(err);
      if (answer) this.add(item.key, item.body, answer);
      throw err;
    }
  }

  changed() {
    try {
      if (this.items.length) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(this.items));
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // storage full or off: the list still lives in this page
    }
    this.dispatchEvent(new Event("change"));
  }
}

function load() {
  try {
    const items = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(items) ? items : [];
  } catch {
    return [];
  }
}
