// The public API, as the pages use it. Every call resolves to {status, body, headers};
// a network failure resolves to {status: 0} so callers decide what a retry means.

async function call(method, path, {body, token, headers = {}} = {}) {
  const init = {method, headers: {...headers}, cache: "no-store"};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    return {status: 0, body: null, headers: new Headers()};
  }
  const text = response.status === 304 ? "" : await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = null; }
  return {status: response.status, body: parsed, headers: response.headers};
}

const enc = encodeURIComponent;

export function hospitals() {
  return call("GET", "/api/hospitals");
}

/** A day's slots; with `etag`, a 304 means nothing changed since that answer. */
export function day(hospitalId, date, etag) {
  const headers = etag ? {"If-None-Match": etag} : {};
  return call("GET", `/api/hospitals/${enc(hospitalId)}/availability?date=${date}`, {headers});
}

export function book(booking, idempotencyKey) {
  return call("POST", "/api/appointments",
              {body: booking, headers: {"Idempotency-Key": idempotencyKey}});
}

export function appointment(id, token) {
  return call("GET", `/api/appointments/${enc(id)}`, {token});
}

export function changeAppointment(id, token, change) {
  return call("PATCH", `/api/appointments/${enc(id)}`, {token, body: change});
}

/** Staff: one page of a day's (or a slot's) appointments. */
export function appointments(adminKey, {hospital, date, time, limit = 200, offset = 0}) {
  const query = new URLSearchParams({hospital, date, limit, offset});
  if (time) query.set("time", time);
  return call("GET", `/api/appointments?${query}`, {token: adminKey});
}

/** Staff: the appointment with `reference`, as typed (the API reads any case, a hyphen or
 *  none, I/L as 1 and O as 0); at most one item. */
export function appointmentByReference(adminKey, reference) {
  const query = new URLSearchParams({reference});
  return call("GET", `/api/appointments?${query}`, {token: adminKey});
}

/** Staff: every appointment of a day holding a seat (all pages of the list). */
export async function heldAppointments(adminKey, {hospital, date}) {
  const items = [];
  for (;;) {
    const query = new URLSearchParams({hospital, date, status: "booked", limit: 200,
                                       offset: items.length});
    const result = await call("GET", `/api/appointments?${query}`, {token: adminKey});
    if (result.status !== 200) return result;
    items.push(...result.body.items);
    if (!result.body.items.length || items.length >= result.body.total) {
      return {...result, body: {items, total: result.body.total}};
    }
  }
}

/** Staff: a hospital day's closures. */
export function closures(adminKey, hospital, date) {
  const query = new URLSearchParams({hospital, date});
  return call("GET", `/api/admin/closures?${query}`, {token: adminKey});
}

/** Staff: close {hospital, date, reason[, start, end]}; the answer counts the bookings held. */
export function addClosure(adminKey, closure) {
  return call("POST", "/api/admin/closures", {token: adminKey, body: closure});
}

export function removeClosure(adminKey, closureId) {
  return call("DELETE", `/api/admin/closures/${enc(closureId)}`, {token: adminKey});
}

/** Staff: the explicit bulk cancel of the bookings a closure holds. */
export function cancelClosed(adminKey, closureId) {
  return call("POST", `/api/admin/closures/${enc(closureId)}/cancel-bookings`,
              {token: adminKey});
}

/** Staff: {hospital, date[, time], capacity} (capacity null: the configured one). */
export function setCapacity(adminKey, change) {
  return call("PUT", "/api/admin/capacity", {token: adminKey, body: change});
}

/** Staff: one slot's audit trail, oldest first. */
export function slotAudit(adminKey, {hospital, date, time}) {
  const query = new URLSearchParams({hospital, date, time});
  return call("GET", `/api/admin/audit?${query}`, {token: adminKey});
}

/** 32 hex characters from the platform's CSPRNG (works outside secure contexts too). */
export function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Seconds to wait from a 429/503's Retry-After, else `fallback`. */
export function retryAfter(result, fallback = 2) {
  const seconds = Number(result.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds : fallback;
}
