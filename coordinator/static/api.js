// The zcc API from the page: every call sends the bearer token in the Authorization header.
// The token lives in sessionStorage (this tab only, gone when it closes), never in a URL.

const TOKEN_KEY = "zcc.token";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An error answer of the API: status plus the RFC 9457 problem (detail, field) when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem ?? {};
    this.field = problem?.field ?? null;
  }
}

/** What a person reads for an error: the problem's detail, or why the call could not be made. */
export function explain(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return "De dienst is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.";
    if (err.status === 403) return `Geen toegang: ${err.message}`;
    if (err.status === 503 && err.problem?.type?.endsWith("/outcome-unknown")) {
      return `Onbekend of dit gelukt is: de opslag antwoordde niet op tijd. Probeer het opnieuw; zcc voert het nooit dubbel uit (${err.message}).`;
    }
    if (err.status === 503) return `Opslag tijdelijk onbereikbaar, er is niets veranderd: ${err.message}`;
    return err.message;
  }
  return `Onverwachte fout: ${err?.message ?? err}`;
}

let unauthorizedHandler = () => {};

/** Called when the API answers 401: the token is unknown (revoked, or a new store). */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** One API call; resolves to the parsed JSON body, rejects with ApiError. */
export async function call(method, path, { body, headers = {}, signal, token = session.token } = {}) {
  const init = {
    method,
    headers: { Accept: "application/json", Authorization: `Bearer ${token ?? ""}`, ...headers },
    cache: "no-store",
    signal,
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (err) {
    if (err?.name === "AbortError") throw err;
    throw new ApiError(0, { title: "Geen verbinding", detail: String(err?.message ?? err) });
  }
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!resp.ok) {
    if (resp.status === 401) unauthorizedHandler();
    throw new ApiError(resp.status, data ?? { detail: text || resp.statusText });
  }
  return data;
}

export const get = (path, opts) => call("GET", path, opts);
export const post = (path, body, opts) => call("POST", path, { ...opts, body });

/** A fresh Idempotency-Key, so a retried click never reserves twice. */
export function idempotencyKey() {
  return globalThis.crypto?.randomUUID?.() ?? `k-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
