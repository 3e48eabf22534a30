// The API's error texts in the page's language: api-messages.json says, for every error and
// field message the API can answer, what happened and what to do, in English and Bangla.

import TABLE from "./api-messages.json" with {type: "json"};
import * as i18n from "./i18n.js";

const PLACEHOLDER = /\{(\w+)\}/g;
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function escaped(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A table key as a matcher: each {name} reads any value (as tests/support/error_texts.py). */
function matcher(key, texts) {
  const names = [...key.matchAll(PLACEHOLDER)].map((m) => m[1]);
  const parts = key.split(/\{\w+\}/);
  return {texts, names, literal: parts.join("").length,
          regex: new RegExp(`^${parts.map(escaped).join("(.+?)")}$`, "s")};
}

// The most specific key first: "Hospital closed on {date}: {reason}" before "... on {weekday}s".
const ENTRIES = Object.entries(TABLE.messages).map(([key, texts]) => matcher(key, texts))
  .sort((a, b) => b.literal - a.literal);

function lookup(text) {
  for (const entry of ENTRIES) {
    const found = entry.regex.exec(text);
    if (found) return {entry, values: Object.fromEntries(entry.names.map((n, i) => [n, found[i + 1]]))};
  }
  return null;
}

/** A value from the server in the page's language: digits, times, dates, weekdays, statuses. */
function shown(name, value) {
  if (value === undefined || value === null) return "";
  const text = String(value);
  if (name === "code") return text;
  if (/^\d+$/.test(text)) return i18n.number(Number(text));
  if (/^\d{2}:\d{2}$/.test(text)) return i18n.time(text);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return i18n.date(text);
  if (WEEKDAYS.includes(text)) return i18n.weekday(text);
  return i18n.has(`status.${text}`) ? i18n.t(`status.${text}`) : text;
}

/** `text`, an error or field message the API sent, in the page's language; `answer`: the
 *  error answer's other fields (the patient cap's `limit`). Unknown text is shown as sent. */
export function explain(text, answer = {}) {
  const known = text ? lookup(String(text)) : null;
  if (!known) return i18n.t("err.other", {reason: text ?? ""});
  const values = {...answer, ...known.values};
  const written = known.entry.texts[i18n.lang] ?? known.entry.texts.en;
  return written.replace(PLACEHOLDER, (_, name) => shown(name, values[name]));
}

/** An error answer {error, ...} in the page's language. */
export function ofAnswer(body) {
  return explain(body?.error, body || {});
}

/** A failed call's result {status, body} in the page's language: no connection, a 400's
 *  field messages, or the answer's error. */
export function ofResult(result) {
  if (result.status === 0) return i18n.t("err.network");
  const details = result.status === 400 ? result.body?.details : null;
  if (details) {
    return Object.values(details).flat().map((message) => explain(String(message))).join(" ");
  }
  return ofAnswer(result.body || {error: String(result.status)});
}
