// The chosen slot's audit trail: who (a role: staff, patient, command line) did what, when.
// The API's entries hold ids, statuses, capacities and reasons, never names or phones.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import {explain} from "./messages.js";
import {el} from "./picker.js";

i18n.extend({
  en: {
    "audit.title": "History of this slot",
    "audit.title_at": "History of {time}",
    "audit.pick": "Choose a slot to see who changed what, and when.",
    "audit.none": "Nothing has happened in this slot yet.",
    "audit.when": "When",
    "audit.who": "Who",
    "audit.what": "What",
    "audit.actor.admin": "Staff",
    "audit.actor.patient": "Patient",
    "audit.actor.cli": "Command line",
    "audit.book": "Booked",
    "audit.cancel": "Cancelled",
    "audit.reschedule": "Moved here",
    "audit.status": "Status: {before} → {after}",
    "audit.close": "Closed: {reason}",
    "audit.reopen": "Reopened",
    "audit.capacity": "Seats: {before} → {after}",
    "audit.bulk_cancel": "Cancelled by a closure: {reason}",
    "audit.usual": "usual",
    "audit.failed": "The history could not be read: {reason}",
  },
  bn: {
    "audit.title": "এই সময়ের ইতিহাস",
    "audit.title_at": "{time}-এর ইতিহাস",
    "audit.pick": "কে কখন কী বদলেছেন দেখতে একটি সময় বেছে নিন।",
    "audit.none": "এই সময়ে এখনও কিছু হয়নি।",
    "audit.when": "কখন",
    "audit.who": "কে",
    "audit.what": "কী",
    "audit.actor.admin": "কর্মী",
    "audit.actor.patient": "রোগী",
    "audit.actor.cli": "কমান্ড লাইন",
    "audit.book": "বুক করা হয়েছে",
    "audit.cancel": "বাতিল করা হয়েছে",
    "audit.reschedule": "এখানে সরানো হয়েছে",
    "audit.status": "অবস্থা: {before} → {after}",
    "audit.close": "বন্ধ: {reason}",
    "audit.reopen": "আবার খোলা হয়েছে",
    "audit.capacity": "আসন: {before} → {after}",
    "audit.bulk_cancel": "বন্ধের কারণে বাতিল: {reason}",
    "audit.usual": "সাধারণ",
    "audit.failed": "ইতিহাস পড়া যায়নি: {reason}",
  },
});

const $ = (id) => document.getElementById(id);
let board = null;
const trail = {entries: null, error: null, generation: 0};

/** `context`: {key(), hospital(), date(), time(), signOut()} from the board. */
export function setup(context) {
  board = context;
}

/** Read the chosen slot's trail again (none chosen: clear it). */
export async function load() {
  const generation = ++trail.generation;
  const time = board.time();
  if (!time) return show(null);
  const result = await api.slotAudit(board.key(), {hospital: board.hospital().id,
                                                   date: board.date(), time});
  if (generation !== trail.generation) return;
  if (result.status === 401) return board.signOut();
  trail.error = result.status === 200 ? null : result.body?.error || String(result.status);
  show(result.status === 200 ? result.body.entries : null);
}

function show(entries) {
  trail.entries = entries;
  render();
}

export function render() {
  const time = board.time();
  $("audit-title").textContent = time ? i18n.t("audit.title_at", {time: i18n.time(time)})
    : i18n.t("audit.title");
  $("audit-hint").textContent = !time ? i18n.t("audit.pick")
    : trail.error ? i18n.t("audit.failed", {reason: explain(trail.error)})
    : trail.entries?.length === 0 ? i18n.t("audit.none") : "";
  $("audit-table").hidden = !trail.entries?.length;
  $("audit").replaceChildren(...(trail.entries || []).slice().reverse().map(entryRow));
}

function entryRow(entry) {
  return el("tr", {"data-action": entry.action, "data-actor": entry.actor},
    el("td", {}, el("time", {dateTime: entry.at}, when(entry.at))),
    el("td", {}, actorName(entry.actor)),
    el("td", {}, what(entry),
       entry.appointment_id ? el("span", {class: "mono ref"}, ` #${entry.appointment_id.slice(0, 8)}`)
         : null));
}

function when(iso) {
  return new Intl.DateTimeFormat(i18n.locale(), {
    dateStyle: "medium", timeStyle: "medium", timeZone: board.hospital().schedule.timezone,
  }).format(new Date(iso));
}

function actorName(actor) {
  const key = `audit.actor.${actor}`;
  return i18n.t(key) === key ? actor : i18n.t(key);
}

function statusName(status) {
  const key = `status.${status}`;
  return i18n.t(key) === key ? String(status ?? "") : i18n.t(key);
}

function seatsName(capacity) {
  return capacity === null || capacity === undefined ? i18n.t("audit.usual") : i18n.number(capacity);
}

/** One entry's change in words. */
function what({action, before, after}) {
  const vars = {
    status: {before: statusName(before.status), after: statusName(after.status)},
    capacity: {before: seatsName(before.capacity), after: seatsName(after.capacity)},
    close: {reason: after.closed}, bulk_cancel: {reason: after.reason},
  }[action] || {};
  const key = `audit.${action}`;
  if (action === "reopen" && after.closed) return i18n.t("audit.close", {reason: after.closed});
  return i18n.t(key) === key ? action : i18n.t(key, vars);
}
