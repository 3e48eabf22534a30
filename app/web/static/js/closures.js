// The board's closures panel: close the day on screen (or a time range) with a reason, list
// the day's closures with the bookings each still holds, reopen one, and cancel those bookings
// only as a separate step the member of staff confirms. Closing itself never cancels.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import * as ops from "./ops.js";
import {el} from "./picker.js";

i18n.extend({
  en: {
    "closures.title": "Closures",
    "closures.none": "Nothing is closed on this day.",
    "closures.whole_day": "Whole day",
    "closures.held.one": "{n} booking still held",
    "closures.held.other": "{n} bookings still held",
    "closures.reopen": "Reopen",
    "closures.cancel_n": "Cancel these {n} bookings…",
    "closures.new": "Close",
    "closures.scope_day": "The whole day",
    "closures.scope_range": "A time range",
    "closures.from": "From",
    "closures.until": "Until",
    "closures.reason": "Reason",
    "closures.reason_hint": "Patients see it when they try to book.",
    "closures.submit": "Close for patients",
    "closures.closed": "Closed {when}: {reason}. {held} Closing cancels nothing: cancelling them is a separate step in the list above.",
    "closures.reopened": "Reopened {when}. Patients can book there again.",
    "closures.confirm": "Cancel the {n} bookings still held {when} on {date} ({reason})? Checked-in patients keep theirs. This cannot be undone.",
    "closures.confirm_yes": "Yes, cancel {n} bookings",
    "closures.cancelled.one": "Cancelled {n} booking.",
    "closures.cancelled.other": "Cancelled {n} bookings.",
    "closures.kept": "Nothing was cancelled.",
    "closures.day_when": "the whole day",
  },
  bn: {
    "closures.title": "বন্ধ",
    "closures.none": "এই দিনে কিছুই বন্ধ নেই।",
    "closures.whole_day": "সারা দিন",
    "closures.held.one": "এখনও {n}টি বুকিং আছে",
    "closures.held.other": "এখনও {n}টি বুকিং আছে",
    "closures.reopen": "আবার খুলুন",
    "closures.cancel_n": "এই {n}টি বুকিং বাতিল করুন…",
    "closures.new": "বন্ধ করুন",
    "closures.scope_day": "সারা দিন",
    "closures.scope_range": "নির্দিষ্ট সময়",
    "closures.from": "শুরু",
    "closures.until": "শেষ",
    "closures.reason": "কারণ",
    "closures.reason_hint": "রোগীরা বুক করতে গেলে এটি দেখবেন।",
    "closures.submit": "রোগীদের জন্য বন্ধ করুন",
    "closures.closed": "বন্ধ করা হয়েছে {when}: {reason}। {held} বন্ধ করলে কিছুই বাতিল হয় না: বাতিল করা ওপরের তালিকায় আলাদা একটি ধাপ।",
    "closures.reopened": "আবার খোলা হয়েছে {when}। রোগীরা আবার বুক করতে পারবেন।",
    "closures.confirm": "{date}, {when}-এ এখনও থাকা {n}টি বুকিং বাতিল করবেন ({reason})? যাঁরা চেক-ইন করেছেন তাঁদেরটা থাকবে। এটি ফেরানো যাবে না।",
    "closures.confirm_yes": "হ্যাঁ, {n}টি বুকিং বাতিল করুন",
    "closures.cancelled.one": "{n}টি বুকিং বাতিল করা হয়েছে।",
    "closures.cancelled.other": "{n}টি বুকিং বাতিল করা হয়েছে।",
    "closures.kept": "কিছুই বাতিল করা হয়নি।",
    "closures.day_when": "সারা দিন",
  },
});

// Visits already recorded: the bulk cancel leaves them (README, "Closures").
const VISITED = ["checked_in", "completed", "no_show"];
const INPUTS = {reason: "close-reason", start: "close-start", end: "close-end"};
const LABELS = {reason: "closures.reason", start: "closures.from", end: "closures.until",
                date: "date"};

const $ = (id) => document.getElementById(id);
let board = null;
const panel = {closures: [], held: [], generation: 0, busy: false};

/** `context`: {key(), hospital(), date(), refreshBoard(), signOut()} from the board. */
export function setup(context) {
  board = context;
  $("close-form").addEventListener("submit", close);
  for (const radio of document.querySelectorAll("input[name='close-scope']")) {
    radio.addEventListener("change", showScope);
  }
  $("close-start").addEventListener("change", () => fillEnds());
}

/** A new hospital or day: new hour choices, a fresh list, no old result. */
export function showDay() {
  ops.report($("closures-message"), "");
  ops.markInvalid(INPUTS);
  fillStarts();
  return load();
}

/** Read the day's closures and the bookings they hold again (after any change). */
export async function load() {
  const generation = ++panel.generation;
  const where = {hospital: board.hospital().id, date: board.date()};
  const [listed, held] = await Promise.all([
    api.closures(board.key(), where.hospital, where.date), api.heldAppointments(board.key(), where)]);
  if (generation !== panel.generation) return;
  if (listed.status === 401 || held.status === 401) return board.signOut();
  if (listed.status !== 200) return ops.report($("closures-message"), ops.problem(listed).text, "error");
  panel.closures = listed.body.closures;
  panel.held = held.status === 200 ? held.body.items : [];
  render();
}

/** Re-render in the current language. */
export function relabel() {
  fillStarts();
  render();
}

function render() {
  const focused = document.activeElement?.closest?.("#closures li");
  const action = document.activeElement?.dataset?.action;
  $("closures-empty").hidden = panel.closures.length > 0;
  $("closures").replaceChildren(...panel.closures.map(closureRow));
  showScope();
  if (focused) keepFocus(focused.dataset.closureId, action);
}

/** A live refresh redraws the list: the button a keyboard user was on keeps the focus. */
function keepFocus(closureId, action) {
  const row = [...$("closures").children].find((li) => li.dataset.closureId === closureId);
  const button = row?.querySelector(`[data-action="${action}"]`) || row?.querySelector("button");
  (button || $("closures-title")).focus();
}

function covers(closure, time) {
  return !closure.start || (closure.start <= time && time < closure.end);
}

function heldBy(closure) {
  return panel.held.filter((a) => covers(closure, a.appointment_time));
}

function whenOf(closure) {
  return ops.hoursOf(closure) || i18n.t("closures.day_when");
}

function closureRow(closure) {
  const held = heldBy(closure);
  const awaiting = held.filter((a) => !VISITED.includes(a.status)).length;
  return el("li", {class: "closure", "data-closure-id": closure.id},
    el("span", {class: "closure-when"}, ops.hoursOf(closure) || i18n.t("closures.whole_day")),
    el("span", {class: "closure-reason"}, closure.reason),
    el("span", {class: "closure-held hint", "data-held": String(held.length)},
       i18n.plural("closures.held", held.length)),
    el("span", {class: "actions"},
       awaiting ? rowButton("cancel-bookings", i18n.t("closures.cancel_n", {n: awaiting}),
                            () => cancelBookings(closure, awaiting), "danger") : null,
       rowButton("reopen", i18n.t("closures.reopen"), () => reopen(closure))));
}

function rowButton(action, label, onClick, kind = "") {
  const button = el("button", {type: "button", class: kind, "data-action": action}, label);
  button.addEventListener("click", onClick);
  return button;
}

function showScope() {
  const range = document.querySelector("input[name='close-scope']:checked").value === "range";
  $("close-range").hidden = !range;
}

function fillStarts() {
  const times = ops.slotTimes(board.hospital());
  const chosen = $("close-start").value;
  $("close-start").replaceChildren(...times.map((t) => new Option(i18n.time(t), t)));
  if (times.includes(chosen)) $("close-start").value = chosen;
  fillEnds();
}

/** Ends after the chosen start, up to closing time (an end is exclusive, as the API reads it). */
function fillEnds() {
  const hospital = board.hospital();
  const ends = ops.slotTimes(hospital).map((t) => ops.addMinutes(t, hospital.schedule.slot_minutes))
    .filter((t) => t > $("close-start").value);
  const chosen = $("close-end").value;
  $("close-end").replaceChildren(...ends.map((t) => new Option(i18n.time(t), t)));
  $("close-end").value = ends.includes(chosen) ? chosen : ends[ends.length - 1];
}

function readClosure() {
  const body = {hospital: board.hospital().id, date: board.date(),
                reason: $("close-reason").value.trim()};
  if ($("close-range").hidden) return body;
  return {...body, start: $("close-start").value, end: $("close-end").value};
}

async function close(event) {
  event.preventDefault();
  const body = readClosure();
  if (!body.reason) return refuse(ops.invalidFields({reason: "ops.err.required"}, LABELS));
  const result = await once(() => api.addClosure(board.key(), body));
  if (!result) return;
  if (result.status !== 201) return refuse(ops.problem(result, LABELS), result);
  ops.markInvalid(INPUTS);
  $("close-reason").value = "";
  const {closure, active_bookings: n} = result.body;
  ops.report($("closures-message"), i18n.t("closures.closed", {
    when: whenOf(closure), reason: closure.reason, held: i18n.plural("closures.held", n) + "."}),
  n ? "warning" : "ok");
  await changed();
}

function refuse(found, result) {
  if (result?.status === 401) return board.signOut();
  ops.markInvalid(INPUTS, found.fields);
  ops.report($("closures-message"), found.text, "error");
}

async function reopen(closure) {
  const result = await once(() => api.removeClosure(board.key(), closure.id));
  if (!result) return;
  if (result.status !== 200) refuse(ops.problem(result), result);
  else ops.report($("closures-message"), i18n.t("closures.reopened", {when: whenOf(closure)}));
  await changed();
}

async function cancelBookings(closure, n) {
  const question = i18n.t("closures.confirm", {n, when: whenOf(closure), reason: closure.reason,
                                                date: i18n.date(closure.date)});
  if (!await ops.confirmAction(question, i18n.t("closures.confirm_yes", {n}))) {
    return ops.report($("closures-message"), i18n.t("closures.kept"));
  }
  const result = await once(() => api.cancelClosed(board.key(), closure.id));
  if (!result) return;
  if (result.status !== 200) refuse(ops.problem(result), result);
  else ops.report($("closures-message"), i18n.plural("closures.cancelled", result.body.cancelled));
  await changed();
}

/** One staff change at a time from this panel (a double click sends one request). */
async function once(request) {
  if (panel.busy) return null;
  panel.busy = true;
  try {
    return await request();
  } finally {
    panel.busy = false;
  }
}

async function changed() {
  board.refreshBoard();
  await load();
}
