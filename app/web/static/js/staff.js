// The staff day board: every slot of a hospital's day as booked / capacity, live, and the
// appointments of a chosen slot in serial order with the actions the API offers staff; the
// day's closures, capacity, the slot's history and the search by reference are panels of their
// own (closures.js, capacity.js, audit.js, find.js). The admin key stays in this tab's
// sessionStorage.

import * as api from "./api.js";
import * as audit from "./audit.js";
import * as capacity from "./capacity.js";
import * as closures from "./closures.js";
import * as find from "./find.js";
import * as i18n from "./i18n.js";
import {ofResult} from "./messages.js";   // a refused call in the board's language
import {DayWatcher} from "./live.js";
import {el, todayIn} from "./picker.js";

i18n.extend({
  en: {
    "staff.title": "Staff day board",
    "staff.signin": "Sign in",
    "staff.key": "Admin key",
    "staff.key_hint": "Kept only in this browser tab until you close it or sign out.",
    "staff.key_wrong": "That key was refused. Check it and try again.",
    "staff.open": "Open the board",
    "staff.signout": "Sign out",
    "staff.date_format": "DD/MM/YYYY",
    "staff.date_wrong": "Write the day as day/month/year, e.g. {example}.",
    "staff.slots": "Slots",
    "staff.people": "Appointments",
    "staff.people_at": "Appointments at {time}",
    "staff.pick_slot": "Choose a slot to see its appointments.",
    "staff.none": "No appointments in this slot.",
    "staff.actions": "Actions",
    "staff.who_ref": "Patient, reference",
    "staff.summary": "{booked} booked of {capacity} seats",
    "staff.row": "{booked} / {capacity}",
    "staff.over": "{n} over capacity",
    "staff.row_label": "{time}: {booked} of {capacity} booked",
    "staff.closed_day": "The hospital is closed on this day.",
    "staff.closed_slot": "Closed: {reason}",
    "staff.cancel": "Cancel",
    "staff.cancel_confirm": "Cancel {name}'s appointment at {time}?",
    "staff.check_in": "Check in",
    "staff.no_show": "Mark no-show",
    "staff.complete": "Mark completed",
    "staff.done": "{name}: {status}.",
    "staff.more": "Showing {shown} of {total}.",
  },
  bn: {
    "staff.title": "কর্মীদের দিনের বোর্ড",
    "staff.signin": "সাইন ইন",
    "staff.key": "অ্যাডমিন কী",
    "staff.key_hint": "শুধু এই ব্রাউজার ট্যাবে থাকে, ট্যাব বন্ধ বা সাইন আউট করা পর্যন্ত।",
    "staff.key_wrong": "এই কী গ্রহণ করা হয়নি। দেখে আবার চেষ্টা করুন।",
    "staff.open": "বোর্ড খুলুন",
    "staff.signout": "সাইন আউট",
    "staff.date_format": "দিন/মাস/বছর",
    "staff.date_wrong": "দিনটি দিন/মাস/বছর হিসেবে লিখুন, যেমন {example}।",
    "staff.slots": "সময়সূচি",
    "staff.people": "অ্যাপয়েন্টমেন্ট",
    "staff.people_at": "{time}-এর অ্যাপয়েন্টমেন্ট",
    "staff.pick_slot": "অ্যাপয়েন্টমেন্ট দেখতে একটি সময় বেছে নিন।",
    "staff.none": "এই সময়ে কোনো অ্যাপয়েন্টমেন্ট নেই।",
    "staff.actions": "কাজ",
    "staff.who_ref": "রোগী, রেফারেন্স",
    "staff.summary": "{capacity}টি আসনের মধ্যে {booked}টি বুক করা",
    "staff.row": "{booked} / {capacity}",
    "staff.over": "ধারণক্ষমতার চেয়ে {n}টি বেশি",
    "staff.row_label": "{time}: {capacity}টির মধ্যে {booked}টি বুক করা",
    "staff.closed_day": "এই দিনে হাসপাতাল বন্ধ।",
    "staff.closed_slot": "বন্ধ: {reason}",
    "staff.cancel": "বাতিল",
    "staff.cancel_confirm": "{time}-এ {name}-এর অ্যাপয়েন্টমেন্ট বাতিল করবেন?",
    "staff.check_in": "চেক-ইন করুন",
    "staff.no_show": "আসেননি চিহ্নিত করুন",
    "staff.complete": "সম্পন্ন চিহ্নিত করুন",
    "staff.done": "{name}: {status}।",
    "staff.more": "{total}টির মধ্যে {shown}টি দেখানো হচ্ছে।",
  },
});

const KEY_STORAGE = "adminKey";
// Status changes staff may make, as PATCH {status} (README, "Visit statuses"); `from`: the
// statuses each applies to; a no-show only once the slot has started.
const ACTIONS = [
  {status: "checked_in", from: ["booked"], label: "staff.check_in"},
  {status: "completed", from: ["checked_in"], label: "staff.complete"},
  {status: "no_show", from: ["booked"], label: "staff.no_show", started: true},
  {status: "cancelled", from: ["booked"], label: "staff.cancel", confirm: true},
];
const KNOWN_STATUSES = ["booked", "cancelled", "checked_in", "completed", "no_show"];

const $ = (id) => document.getElementById(id);
const state = {key: sessionStorage.getItem(KEY_STORAGE), hospitals: [], date: null, day: null,
               time: null, people: null, total: 0, error: null, busy: false};
const watcher = new DayWatcher(showDay, showLive);
// What the panels read of the board, and may ask of it.
const board = {
  key: () => state.key,
  hospital: () => hospitalById($("hospital").value),
  date: () => state.date,
  time: () => state.time,
  slot: (time) => state.day?.slots.find((s) => s.time === time),
  hospitalOf: hospitalById,
  statusLabel,
  showSlot,
  refreshBoard: () => watcher.refresh(),
  signOut,
};

function showLive(liveState, result) {
  $("live-note").textContent = liveState === "live" ? i18n.t("live.ok", {time: i18n.clock()})
    : liveState === "retrying" ? i18n.t("live.retrying") : "";
  $("live-note").classList.toggle("warning", liveState === "retrying");
  if (liveState === "error") showBoardError(ofResult(result));
}

function showBoardError(text) {
  state.error = text;
  $("board-error").textContent = text || "";
  $("board-error").hidden = !text;
  if (text) {
    state.day = null;
    $("board").replaceChildren();
    $("day-summary").textContent = "";
  }
}

async function signIn(event) {
  event.preventDefault();
  const key = $("admin-key").value.trim();
  const hospital = state.hospitals[0];
  const probe = await api.appointments(key, {hospital: hospital.id, limit: 1,
                                             date: todayIn(hospital.schedule.timezone)});
  if (probe.status === 200) {
    sessionStorage.setItem(KEY_STORAGE, key);
    state.key = key;
    $("admin-key").value = "";
    return openBoard();
  }
  const message = probe.status === 401 ? i18n.t("staff.key_wrong")
    : ofResult(probe);
  $("admin-key-error").textContent = message;
  $("admin-key-error").hidden = false;
  $("admin-key").setAttribute("aria-invalid", "true");
  $("admin-key").focus();
}

function signOut() {
  sessionStorage.removeItem(KEY_STORAGE);
  state.key = null;
  watcher.stop();
  $("board-page").hidden = true;
  $("signin").hidden = false;
  $("admin-key").focus();
}

function openBoard() {
  $("signin").hidden = true;
  $("board-page").hidden = false;
  const hospital = hospitalById($("hospital").value);
  if (!state.date) state.date = todayIn(hospital.schedule.timezone);
  showDate();
  watchDay();
}

function hospitalById(id) {
  return state.hospitals.find((h) => h.id === id);
}

/** The chosen day in the field, in the board's language and its day/month/year order. */
function showDate() {
  if (!state.date) return;
  $("date").value = i18n.numericDate(state.date);
  $("date").removeAttribute("aria-invalid");
  $("date-error").hidden = true;
  $("date-hint").textContent = i18n.date(state.date);
}

/** As it is typed: a whole day written shows that day's board. */
function readTypedDate() {
  const day = i18n.readDate($("date").value);
  if (!day || day === state.date) return;
  state.date = day;
  $("date-hint").textContent = i18n.date(day);
  watchDay();
}

/** Once the field is left (or Enter pressed): written again in the board's order, or why not. */
function settleDate() {
  if (i18n.readDate($("date").value)) return showDate();
  $("date").setAttribute("aria-invalid", "true");
  $("date-error").textContent = i18n.t("staff.date_wrong", {example: i18n.numericDate(state.date)});
  $("date-error").hidden = false;
}

function watchDay() {
  if (!state.date) return;
  state.day = null;
  selectSlot(null);
  showBoardError(null);
  $("board").replaceChildren();
  capacity.clearResult();
  closures.showDay();
  watcher.watch($("hospital").value, state.date);
}

/** Another hospital, day and slot on the board (an appointment found by reference). */
function showSlot(hospitalId, date, time) {
  $("hospital").value = hospitalId;
  state.date = date;
  showDate();
  watchDay();
  selectSlot(time, {focus: true});
}

function showDay(day) {
  state.day = day;
  showBoardError(null);
  renderBoard();
  capacity.render();
  closures.load();
  if (state.time) {
    loadPeople();
    audit.load();
  }
}

function renderBoard() {
  const day = state.day;
  if (!day) return;
  const booked = day.slots.reduce((n, s) => n + s.current_bookings, 0);
  const capacity = day.slots.reduce((n, s) => n + s.max_capacity, 0);
  $("day-summary").textContent = day.is_open ? i18n.t("staff.summary", {booked, capacity})
    : `${i18n.t("staff.closed_day")} ${day.closed_reason || ""}`;
  $("board").replaceChildren(...day.slots.map((slot) => el("li", {}, barRow(slot))));
}

/** A row's look ("open", "full", "over", "closed") and what it says besides the count. */
function rowState(slot) {
  const over = slot.current_bookings - slot.max_capacity;
  const kind = slot.status === "closed" ? "closed" : over > 0 ? "over" : over === 0 ? "full" : "open";
  return {kind, over: over > 0 ? i18n.t("staff.over", {n: over}) : null,
          closed: kind === "closed" ? i18n.t("staff.closed_slot", {reason: slot.closed_reason}) : null};
}

function barFill(slot) {
  const share = slot.max_capacity ? Math.min(1, slot.current_bookings / slot.max_capacity) : 1;
  const fill = el("span", {class: "bar-fill"});
  fill.style.width = `${(share * 100).toFixed(1)}%`;
  return fill;
}

function barRow(slot) {
  const {kind, over, closed} = rowState(slot);
  const vars = {time: i18n.time(slot.time), booked: slot.current_bookings,
                capacity: slot.max_capacity};
  const button = el("button", {type: "button", class: `bar-row ${kind}`,
                               "data-time": slot.time, "data-booked": String(slot.current_bookings),
                               "aria-pressed": String(slot.time === state.time)},
    el("span", {class: "bar-time"}, i18n.time(slot.time)),
    el("span", {class: "bar", "aria-hidden": "true"}, barFill(slot)),
    el("span", {class: "bar-count"}, i18n.t("staff.row", vars),
       over ? el("span", {class: "over-note"}, over) : null),
    closed ? el("span", {class: "closed-note"}, closed) : null);
  button.setAttribute("aria-label", [i18n.t("staff.row_label", vars), over, closed]
    .filter(Boolean).join(", "));
  button.addEventListener("click", () => selectSlot(slot.time, {focus: true}));
  return button;
}

function selectSlot(time, {focus = false} = {}) {
  state.time = time;
  state.people = null;
  for (const row of $("board").querySelectorAll(".bar-row")) {
    row.setAttribute("aria-pressed", String(row.dataset.time === time));
  }
  renderPeople();
  capacity.chooseSlot(time);
  audit.load();
  if (time) loadPeople();
  if (focus) $("slot-title").focus();
}

async function loadPeople() {
  const time = state.time;
  const result = await api.appointments(state.key, {hospital: $("hospital").value,
                                                    date: state.date, time});
  if (time !== state.time) return;
  if (result.status === 401) return signOut();
  if (result.status !== 200) return say(ofResult(result));
  state.people = result.body.items;
  state.total = result.body.total;
  renderPeople();
}

function renderPeople() {
  $("slot-title").textContent = state.time ? i18n.t("staff.people_at", {time: i18n.time(state.time)})
    : i18n.t("staff.people");
  $("slot-hint").textContent = !state.time ? i18n.t("staff.pick_slot")
    : state.people?.length === 0 ? i18n.t("staff.none")
    : state.people && state.total > state.people.length
      ? i18n.t("staff.more", {shown: state.people.length, total: state.total}) : "";
  $("people-table").hidden = !state.people?.length;
  $("people").replaceChildren(...(state.people || []).map(personRow));
}

/** The old app's other active statuses ("confirmed", …) behave as booked. */
function effectiveStatus(status) {
  return KNOWN_STATUSES.includes(status) ? status : "booked";
}

function slotStarted(time) {
  return state.day?.slots.some((s) => s.time === time && s.status === "started");
}

function statusLabel(status) {
  return KNOWN_STATUSES.includes(status) ? i18n.t(`status.${status}`) : status;
}

function personRow(a) {
  const offered = ACTIONS.filter((action) => action.from.includes(effectiveStatus(a.status))
    && (!action.started || slotStarted(a.appointment_time)));
  const buttons = offered.map((action) => {
    const button = el("button", {type: "button", "data-action": action.status},
                      i18n.t(action.label));
    button.addEventListener("click", () => act(a, action));
    return button;
  });
  return el("tr", {"data-id": a.id, "data-status": a.status},
    el("td", {class: "serial"}, i18n.serial(a.serial)),
    el("td", {}, a.patient_name, el("span", {class: "reference"}, i18n.reference(a.reference))),
    el("td", {class: "mono"}, a.patient_phone),
    el("td", {}, el("span", {class: `badge ${a.status}`}, statusLabel(a.status))),
    el("td", {}, el("span", {class: "actions"}, ...buttons)));
}

async function act(appointment, action) {
  const question = i18n.t("staff.cancel_confirm", {name: appointment.patient_name,
                                                   time: i18n.time(appointment.appointment_time)});
  if (state.busy || (action.confirm && !window.confirm(question))) return;
  state.busy = true;
  const result = await api.changeAppointment(appointment.id, state.key, {status: action.status});
  state.busy = false;
  if (result.status !== 200) {
    say(ofResult(result));
    return loadPeople();   // e.g. 409: another desk changed it first
  }
  const changed = result.body.appointment;
  say(i18n.t("staff.done", {name: changed.patient_name, status: statusLabel(changed.status)}));
  watcher.refresh();
  loadPeople();
  audit.load();
}

function say(text) {
  $("staff-message").textContent = text;
}

function relabel() {
  for (const option of $("hospital").options) {
    option.text = i18n.hospitalName(hospitalById(option.value));
  }
  if (state.key) showDate();
  renderBoard();
  renderPeople();
  if (!state.key) return;
  closures.relabel();
  capacity.render();
  audit.render();
  find.render();
}

async function start() {
  i18n.setupSwitch(relabel);
  for (const panel of [closures, capacity, audit, find]) panel.setup(board);
  const result = await api.hospitals();
  state.hospitals = result.body?.hospitals || [];
  $("hospital").replaceChildren(...state.hospitals.map((h) => new Option(i18n.hospitalName(h),
                                                                         h.id)));
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", signOut);
  $("hospital").addEventListener("change", watchDay);
  $("date").addEventListener("input", readTypedDate);
  $("date").addEventListener("change", settleDate);
  $("board-controls").addEventListener("submit", (e) => { e.preventDefault(); settleDate(); });
  if (state.key) openBoard();
  else $("signin").hidden = false;
}

start();
