// Small DOM helpers and Dutch formatting shared by the page's modules.
// Every text from the API goes in through text nodes (never innerHTML), so no value can inject markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function setAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.setAttribute("class", value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" && "value" in el) el.value = value;
    else if (key === "checked" && "checked" in el) el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
}

function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** An HTML element: h("p", {class: "hint"}, "text", h("strong", {}, "bold")). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

/** An SVG element, same calling convention as h(). */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  appendAll(el, children);
  return el;
}

/** Replace the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
  return el;
}

/**
 * Show a message in a live region (role=alert or status). The region stays in the page even when
 * empty (CSS hides its box), since a region that appears together with its text is often not read.
 */
export function say(el, text) {
  el.textContent = text ?? "";
}

/** Activate on Enter and Space, as a button does (for SVG markers and other custom controls). */
export function onActivate(el, handler) {
  el.addEventListener("click", handler);
  el.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" || ev.key === " ") {
      ev.preventDefault();
      handler(ev);
    }
  });
}

// -- names: filled in once the region's map, providers and protocol are loaded ------------------

export const names = {
  careTypes: new Map(),
  providers: new Map(),
  complaints: new Map(),
  urgencies: new Map(),
};

export const KIND_ORDER = ["hap", "vvt", "hospital", "ggz"];
export const KIND_LABELS = { hap: "HAP", vvt: "VVT", hospital: "Ziekenhuis", ggz: "GGZ" };

export function careTypeName(id) {
  return names.careTypes.get(id) ?? id;
}

export function providerName(id) {
  return names.providers.get(id)?.name ?? id;
}

export function kindLabel(kind) {
  return KIND_LABELS[kind] ?? kind;
}

export const STATUS_LABELS = {
  open: "open: wacht op een plek",
  reserved: "gereserveerd",
  placed: "geplaatst",
  cancelled: "geannuleerd",
  escalated: "doorgezet naar 112",
  advice: "advies, geen plek nodig",
};

// -- time ---------------------------------------------------------------------------------------

const timeFormat = new Intl.DateTimeFormat("nl-NL", { hour: "2-digit", minute: "2-digit" });
const dateTimeFormat = new Intl.DateTimeFormat("nl-NL", {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** "14:05" today, "23 nov. 14:05" on another day; "—" for nothing. */
export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  const today = new Date();
  return d.toDateString() === today.toDateString() ? timeFormat.format(d) : dateTimeFormat.format(d);
}

/** An age in words: "zojuist", "4 min", "2 u 5 min"; null is "nooit gemeld". */
export function fmtAge(seconds) {
  if (seconds === null || seconds === undefined) return "nooit gemeld";
  if (seconds < 60) return "zojuist";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} u ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} dagen`;
}

/** "m:ss" (or "u:mm:ss") of a duration in milliseconds, never negative. */
export function fmtCountdown(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Minutes with one decimal at most, Dutch style: "12", "7,5". */
export function fmtMinutes(value) {
  if (value === null || value === undefined) return "—";
  return `${Number(value).toLocaleString("nl-NL", { maximumFractionDigits: 1 })} min`;
}

// -- lists you can walk with the keyboard ---------------------------------------------------------

/**
 * Arrow keys (Up/Down, Home/End) move focus between the items of a list (board rows, open requests,
 * proposals), keeping to the same kind of control: from a row's "Open" button to the next row's.
 * Items with ``data-rove`` are rows focusable themselves: only the last one focused is in the Tab order
 * (a roving tabindex), so Tab enters the list once and leaves it with one more Tab.
 */
export function listKeys(container, itemSelector) {
  container.addEventListener("keydown", (ev) => {
    if (!["ArrowDown", "ArrowUp", "Home", "End"].includes(ev.key) || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const active = document.activeElement;
    if (active?.matches?.("input, select, textarea")) return; // their own arrow keys
    const items = [...container.querySelectorAll(itemSelector)].filter((el) => el.offsetParent !== null);
    const current = items.findIndex((el) => el === active || el.contains(active));
    if (current < 0) return;
    let next = current;
    if (ev.key === "ArrowDown") next = Math.min(items.length - 1, current + 1);
    else if (ev.key === "ArrowUp") next = Math.max(0, current - 1);
    else if (ev.key === "Home") next = 0;
    else next = items.length - 1;
    ev.preventDefault();
    if (next === current) return;
    const item = items[next];
    let target = item;
    if (active !== items[current]) {
      // the same control in the next item: same tag and class (a button "Open", a "Reserveer" button)
      const same = [...item.querySelectorAll(active.tagName)].find((el) => el.className === active.className);
      target = same ?? item.querySelector("button, a[href], [tabindex]") ?? item;
    }
    if (target === item && !item.hasAttribute("tabindex")) item.setAttribute("tabindex", "-1");
    target.focus();
  });
  container.addEventListener("focusin", (ev) => {
    const item = ev.target.closest?.("[data-rove]");
    if (!item || !container.contains(item)) return;
    for (const el of container.querySelectorAll("[data-rove]")) el.tabIndex = el === item ? 0 : -1;
  });
}

/** Put exactly one roving item in the Tab order: the one with ``key`` (data-key), else the first. */
export function roveStart(container, key = null) {
  const items = [...container.querySelectorAll("[data-rove]")];
  const start = items.find((el) => key !== null && el.dataset.key === key) ?? items[0];
  for (const el of items) el.tabIndex = el === start ? 0 : -1;
  return start ?? null;
}
