// zcc triage board: the web page the zorgcoördinatiecentrum works in.
//
// Why plain JavaScript modules and CSS, without a framework or a build step: there is nothing to vendor
// and nothing to rebuild, the service serves these files as they are from coordinator/static/, and the
// page works offline on a machine with no route to any package registry or CDN. A framework would buy
// little for one page of forms and tables, and would cost a toolchain on every machine that builds zcc.
//
// The page itself holds no data and is served without auth; every API call sends
// "Authorization: Bearer <token>", the token kept in this tab's sessionStorage (never in a URL).
// Modules: api.js (calls, token), stream.js (SSE over fetch), board.js (live board), map.js (the region
// map: leafletmap.js on a base map, or svgmap.js without the map libraries; mapcommon.js, vendor.js),
// intake.js (intake form), request.js (one request: proposals, reserve, confirm), queue.js (open
// requests, batch optimisation), trajectory.js (zorgtraject), forecast.js (chance of full per care type),
// trend.js (24-hour trend), unrecorded.js (triages the store could not record yet, recorded later with the
// same key), provider.js (a provider's own capacity and stops, by hand), handover.js (the printed hand-over
// sheet), followup.js (the receiving provider's patients and reports, "niet aangekomen?"), dom.js (helpers,
// Dutch formatting, keyboard lists).

import { explain, get, onUnauthorized, session } from "./api.js";
import { BoardStore, BoardView } from "./board.js";
import { fill, h, names, say, setLabels } from "./dom.js";
import { ArrivalAlerts, ReceivingPanel, RegionFigures } from "./followup.js";
import { ForecastBadges } from "./forecast.js";
import { printHandover } from "./handover.js";
import { TrendLines } from "./trend.js";
import { IntakeForm } from "./intake.js";
import { RegionMap } from "./map.js";
import { ProviderPanel } from "./provider.js";
import { RequestQueue } from "./queue.js";
import { RequestPanel } from "./request.js";
import { CapacityStream } from "./stream.js";
import { TrajectoryPanel } from "./trajectory.js";
import { UnrecordedList } from "./unrecorded.js";

const $ = (id) => document.getElementById(id);

const store = new BoardStore();
const unrecorded = new UnrecordedList();
let stream = null;
let connState = { state: "connecting", info: {} };

// -- login ----------------------------------------------------------------------------------------

function showLogin(message = "") {
  stream?.stop();
  queue.stop();
  forecast.stop();
  receiving.stop();
  alerts.stop();
  regionFigures.stop();
  trend.stop();
  stream = null;
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  say($("login-error"), message);
  $("login-token").value = "";
  $("login-token").focus();
}

async function login(token, { interactive = false } = {}) {
  session.token = token;
  try {
    const mapData = await get("/api/v1/region/map");
    await startApp(mapData);
    // After a login by hand, keyboard focus goes to the work (the login form it was on is gone).
    if (interactive) $("main").focus();
  } catch (err) {
    session.token = null;
    showLogin(err.status === 401 ? "Dit token is onbekend. Controleer het en probeer opnieuw." : explain(err));
  }
}

function logout(message = "", { ask = false } = {}) {
  const open = unrecorded.items.length;
  if (ask && open && !window.confirm(`${open} triage(s) zijn nog niet vastgelegd en gaan bij uitloggen verloren. Toch uitloggen?`)) {
    return;
  }
  unrecorded.clear();
  session.token = null;
  store.setAll([], false);
  // Leave no patient data in the page for the next person at this screen.
  panel.hide();
  intake.reset();
  $("intake-form").hidden = false;
  queue.requests = [];
  queue.render();
  fill($("optimize-view"));
  fill($("traj-view"));
  fill($("map-detail"));
  map.selected = null;
  map.hideRequest();
  $("traj-ref").value = "";
  providerPanel.clear();
  fill($("handover"));
  document.body.classList.remove("role-provider");
  showLogin(message);
}

onUnauthorized(() => logout("Het token wordt niet (meer) geaccepteerd. Log opnieuw in."));

// -- the working page -----------------------------------------------------------------------------

const boardView = new BoardView({
  store,
  body: $("board-body"),
  summary: $("board-summary"),
  careFilter: $("f-care"),
  kindFilter: $("f-kind"),
  onFilter: () => map.recolour(),
});

const map = new RegionMap({
  canvas: $("map-canvas"),
  detail: $("map-detail"),
  requestMap: $("request-map"),
  store,
  careType: () => boardView.careType,
});

const forecast = new ForecastBadges({ body: $("board-body") });
const trend = new TrendLines({ body: $("board-body") });

const receiving = new ReceivingPanel({
  section: $("receiving"),
  body: $("rcv-body"),
  status: $("rcv-status"),
  refreshButton: $("rcv-refresh"),
});
const alerts = new ArrivalAlerts({ root: $("arrival-alerts") });
const regionFigures = new RegionFigures({ section: $("region-figures"), body: $("region-figures-body") });

const trajectory = new TrajectoryPanel({ form: $("traj-form"), input: $("traj-ref"), view: $("traj-view") });

const panel = new RequestPanel({
  root: $("request-view"),
  store,
  onChanged: () => {
    queue.load();
    if (panel.record) map.showRequest(panel.record);
  },
  onNew: () => {
    panel.hide();
    map.hideRequest();
    $("intake-form").hidden = false;
    intake.reset();
    $("in-complaint").focus();
  },
  onPatient: (ref) => trajectory.load(ref),
  onRecord: (item) => recordLater(item),
  on112: (record) => show112(record),
  onHandover: (record) => printHandover($("handover"), record),
});

const providerPanel = new ProviderPanel({ root: $("provider"), store });

/** The 112 alert in the sticky header: stays in sight while the request that needs it is shown. */
function show112(record) {
  const el = $("alert-112");
  const head = record ? `Bel 112 — ${record.urgency} voor ${record.patient_ref}` : "";
  const more = record ? ": zcc plaatst deze patiënt niet, draag direct over aan de meldkamer ambulancezorg." : "";
  if (el.textContent === head + more) return;
  // The explanation is left out on a phone (CSS), where the header has room for one line.
  fill(el, head, more ? h("span", { class: "more" }, more) : null);
}

const intake = new IntakeForm({
  form: $("intake-form"),
  onCreated: (record) => {
    $("intake-form").hidden = true;
    panel.show(record);
    map.showRequest(record);
    queue.load();
  },
  onUnrecorded: (key, body, answer) => {
    const item = unrecorded.add(key, body, answer);
    $("intake-form").hidden = true;
    panel.show(item.request, { unrecorded: item });
  },
});

const queue = new RequestQueue({
  body: $("req-body"),
  empty: $("req-empty"),
  error: $("req-error"),
  optimizeView: $("optimize-view"),
  refreshButton: $("req-refresh"),
  optimizeButton: $("req-optimize"),
  onOpen: openRequest,
  unrecorded,
  store,
  onRecord: (item) => recordLater(item),
});

function openRequest(record, item = null) {
  $("intake-form").hidden = true;
  panel.show(record, { unrecorded: item });
  map.showRequest(record);
  $("intake").scrollIntoView({ block: "start" });
}

/** Record a triage the store could not record before (same body, same key); the panel follows if it shows it. */
async function recordLater(item) {
  const record = await unrecorded.record(item);
  if (panel.unrecorded?.key === item.key) panel.show(record, { focus: false });
  queue.load();
  return record;
}

async function startApp(mapData) {
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  $("region-name").textContent = mapData.region?.name ? `— ${mapData.region.name}` : "";
  names.careTypes = new Map((mapData.care_types ?? []).map((c) => [c.id, c.name]));
  intake.setLocations(mapData.locations ?? []);
  // A provider token gets its own capacity form instead of the intake (it may not triage).
  const caller = mapData.caller ?? {};
  const isProvider = caller.role === "provider";
  document.body.classList.toggle("role-provider", isProvider);

  const [providers, protocol, texts] = await Promise.allSettled([
    get("/api/v1/providers"),
    get("/api/v1/triage/protocol"),
    get("/api/v1/texts"),
  ]);
  if (texts.status === "fulfilled") setLabels(texts.value);
  if (providers.status === "fulfilled") {
    const list = providers.value.providers ?? [];
    names.providers = new Map(list.map((p) => [p.id, p]));
    map.setData(mapData, list);
    if (isProvider) providerPanel.show(caller.providers ?? []);
  } else {
    fill($("map-canvas"), h("p", { class: "error" }, explain(providers.reason)));
  }
  if (protocol.status === "fulfilled") {
    names.complaints = new Map(protocol.value.complaints.map((c) => [c.id, c.name]));
    names.urgencies = new Map(protocol.value.urgencies.map((u) => [u.id, u]));
    intake.setProtocol(protocol.value);
    $("intake-unavailable").hidden = true;
    $("intake-form").hidden = false;
    $("requests").hidden = false;
    queue.start();
    alerts.start();
  } else {
    const denied = protocol.reason?.status === 403;
    $("intake-unavailable").textContent = denied
      ? "Dit token mag geen aanvragen invoeren of inzien; log in met een token met de rol triage."
      : `De intake is nu niet beschikbaar: ${explain(protocol.reason)}`;
    $("intake-unavailable").hidden = false;
    $("intake-form").hidden = true;
    $("requests").hidden = denied;
  }

  stream?.stop();
  stream = new CapacityStream({
    onEvent: (name, data) => {
      if (name === "board") store.setAll(data.entries ?? [], data.degraded);
      else if (name === "entry") store.setOne(data);
      if (name === "board" || name === "health") store.setDegraded(data.degraded);
      showConnection();
    },
    onState: (state, info) => {
      connState = { state, info, since: Date.now() };
      showConnection();
    },
    onUnauthorized: () => logout("Het token wordt niet (meer) geaccepteerd. Log opnieuw in."),
  });
  stream.start();
  boardView.render();
  forecast.start();
  receiving.start();
  regionFigures.start();
  trend.start();
}

// -- connection and health marker ---------------------------------------------------------------

function showConnection() {
  const conn = $("conn");
  const banner = $("degraded-banner");
  const retry = $("conn-retry");
  let state = connState.state;
  if (state === "live" && store.degraded) state = "degraded";
  conn.dataset.state = state;
  retry.hidden = state !== "lost";
  document.body.classList.toggle("not-live", state === "lost" || state === "degraded");
  let text;
  let alert = "";
  if (state === "live") text = "Live";
  else if (state === "connecting") text = "Verbinden…";
  else if (state === "degraded") {
    text = "Storing: opslag onbereikbaar";
    alert =
      "Storing: de opslag van zcc is onbereikbaar. Het bord toont de laatst bekende stand en kan verouderd zijn; " +
      "reserveren en capaciteit melden lukt nu niet. zcc herstelt de verbinding zelf.";
  } else {
    const left = Math.max(0, Math.ceil((connState.since + (connState.info.retryInMs ?? 0) - Date.now()) / 1000));
    text = `Verbinding verbroken — opnieuw over ${left} s`;
    alert = `Live-verbinding verbroken (${connState.info.reason ?? "onbekende oorzaak"}): het bord wordt niet bijgewerkt tot de verbinding terug is.`;
  }
  conn.textContent = text;
  if (banner.textContent !== alert) say(banner, alert);
}

setInterval(() => {
  if (connState.state === "lost") showConnection();
}, 1000);

$("conn-retry").addEventListener("click", () => stream?.retryNow());
$("logout").addEventListener("click", () => logout("U bent uitgelogd.", { ask: true }));
store.addEventListener("health", showConnection);

$("login-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const token = $("login-token").value.trim();
  if (!token) {
    say($("login-error"), "Vul het token in.");
    return;
  }
  login(token, { interactive: true });
});

if (session.token) login(session.token);
else showLogin();
