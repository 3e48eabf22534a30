// Live seats by conditional polling: GET the day with If-None-Match once a second; the server
// answers 304 (no body) until a booking, cancellation or status change alters the day.
// Chosen over Server-Sent Events by measurement (README, "Live seats").

import * as api from "./api.js";

export const POLL_MS = 1000;
const MAX_BACKOFF_MS = 30000;

export class DayWatcher {
  /** onDay(body) on every new answer; onState("live" | "retrying" | "error", result). */
  constructor(onDay, onState = () => {}) {
    this.onDay = onDay;
    this.onState = onState;
    this.target = null;
    this.timer = null;
    this.generation = 0;
    this.failures = 0;
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && this.target) this.refresh();
    });
  }

  /** Start watching a hospital's day (stops watching the previous one). */
  watch(hospitalId, date) {
    this.target = {hospitalId, date};
    this.etag = null;
    this.failures = 0;
    return this.refresh();
  }

  stop() {
    this.target = null;
    this.generation += 1;
    clearTimeout(this.timer);
  }

  /** Ask now (e.g. after a 409), then keep polling. */
  async refresh() {
    clearTimeout(this.timer);
    const generation = ++this.generation;
    const {hospitalId, date} = this.target;
    const result = await api.day(hospitalId, date, this.etag);
    if (generation !== this.generation) return;   // a newer watch or refresh took over
    this.handle(result);
    const wait = this.delay(result);
    if (wait !== null) this.timer = setTimeout(() => this.refresh(), wait);
  }

  handle(result) {
    if (result.status === 200) {
      this.etag = result.headers.get("ETag");
      this.failures = 0;
      this.onState("live", result);
      this.onDay(result.body);
    } else if (result.status === 304) {
      this.failures = 0;
      this.onState("live", result);
    } else if (result.status === 0 || result.status === 429 || result.status >= 500) {
      this.failures += 1;
      this.onState("retrying", result);
    } else {
      this.onState("error", result);
    }
  }

  /** Milliseconds to the next poll; null after a refusal (4xx) that asking again won't change. */
  delay(result) {
    if (result.status >= 400 && result.status < 500 && result.status !== 429) return null;
    if (result.status === 429 || result.status === 503) {
      return Math.max(api.retryAfter(result) * 1000, POLL_MS);
    }
    if (this.failures === 0) return POLL_MS;
    return Math.min(POLL_MS * 2 ** this.failures, MAX_BACKOFF_MS);
  }
}
