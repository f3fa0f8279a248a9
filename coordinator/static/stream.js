// The live capacity stream (Server-Sent Events) read with fetch(): EventSource cannot send an
// Authorization header, so the page reads the body with a ReadableStream reader and parses SSE itself.
// Lost connections are retried with exponential backoff and jitter; a silent connection (no event and
// no keep-alive comment for SILENCE_MS, the server sends one every 15 s) counts as lost.

import { session } from "./api.js";

const STREAM_PATH = "/api/v1/capacity/stream";
const SILENCE_MS = 40_000;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/** Parse SSE text incrementally: feed() chunks, get {event, data} for each complete event. */
export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.event = "";
    this.data = [];
  }

  feed(chunk) {
    this.buffer += chunk;
    // A line ends in LF or CRLF (our server sends LF); the last piece may be an incomplete line.
    const lines = this.buffer.split("\n");
    this.buffer = lines.pop();
    for (let line of lines) {
      if (line.endsWith("\r")) line = line.slice(0, -1);
      this.line(line);
    }
  }

  line(line) {
    if (line === "") {
      if (this.data.length) this.onEvent(this.event || "message", this.data.join("\n"));
      this.event = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return; // a comment: keep-alive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    // id and retry are not used: a reconnect starts again from a full board event.
  }
}

/**
 * Keeps one stream open while started. Callbacks:
 *   onEvent(name, data)      parsed JSON of each event (board, entry, health)
 *   onState(state, info)     "connecting" | "live" | "lost" (info.retryInMs, info.reason)
 *   onUnauthorized()         the token was refused (401): stop and log in again
 */
export class CapacityStream {
  constructor({ onEvent, onState, onUnauthorized }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onUnauthorized = onUnauthorized;
    this.running = false;
    this.attempt = 0;
    this.connects = 0;
    this.controller = null;
    this.wake = null;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop() {
    this.running = false;
    this.controller?.abort();
    this.wake?.();
  }

  /** Skip the backoff wait and try again now. */
  retryNow() {
    this.attempt = 0;
    this.wake?.();
  }

  async loop() {
    while (this.running) {
      let reason = "verbinding verbroken";
      try {
        this.onState("connecting", {});
        await this.connectOnce();
        reason = "de dienst sloot de verbinding";
      } catch (err) {
        if (!this.running) return;
        if (err?.status === 401) {
          this.running = false;
          this.onUnauthorized();
          return;
        }
        reason = err?.reason ?? "verbinding verbroken";
      }
      if (!this.running) return;
      const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt) * (0.6 + 0.4 * Math.random());
      this.attempt = Math.min(this.attempt + 1, 10);
      this.onState("lost", { retryInMs: delay, reason });
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  async connectOnce() {
    const controller = new AbortController();
    this.controller = controller;
    let silence = null;
    const watch = () => {
      clearTimeout(silence);
      silence = setTimeout(() => controller.abort(), SILENCE_MS);
    };
    watch();
    try {
      const resp = await fetch(STREAM_PATH, {
        headers: { Authorization: `Bearer ${session.token ?? ""}`, Accept: "text/event-stream" },
        cache: "no-store",
        signal: controller.signal,
      });
      if (resp.status === 401) throw Object.assign(new Error("401"), { status: 401 });
      if (!resp.ok || !resp.body) {
        throw Object.assign(new Error(`HTTP ${resp.status}`), { reason: `de dienst antwoordde ${resp.status}` });
      }
      this.connects += 1;
      const parser = new SseParser((name, text) => {
        let data;
        try {
          data = JSON.parse(text);
        } catch {
          return; // not ours to understand; the next board event resynchronises
        }
        if (name === "board") {
          this.attempt = 0;
          this.onState("live", {});
        }
        this.onEvent(name, data);
      });
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        watch();
        parser.feed(value);
      }
    } finally {
      clearTimeout(silence);
      controller.abort();
    }
  }
}
