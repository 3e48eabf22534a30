// The board's capacity panel: set or clear the seats of the chosen slot or of every slot of the
// day on screen; bookings already above a lowered capacity stay and are reported.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import * as ops from "./ops.js";

i18n.extend({
  en: {
    "capacity.title": "Capacity",
    "capacity.scope": "Change the seats of",
    "capacity.scope_slot": "Only {time}",
    "capacity.scope_no_slot": "Only the chosen slot (choose one on the board)",
    "capacity.scope_day": "Every slot of this day",
    "capacity.seats": "Seats per slot",
    "capacity.hint": "Usually {n} seats per slot at {hospital}.",
    "capacity.hint_slot": "Usually {n} seats per slot at {hospital}; {time} has {capacity} now.",
    "capacity.set": "Set seats",
    "capacity.clear": "Back to the usual {n}",
    "capacity.done_slot": "{time} now has {n} seats.",
    "capacity.done_day": "Every slot of the day now has {n} seats.",
    "capacity.cleared_slot": "{time} is back to the usual {n} seats.",
    "capacity.cleared_day": "Every slot of the day is back to the usual {n} seats.",
    "capacity.over": "Over capacity: {slots}. Nobody was cancelled; these slots take no new bookings until enough are cancelled.",
    "capacity.over_slot": "{time} holds {booked} for {capacity} seats",
  },
  bn: {
    "capacity.title": "ধারণক্ষমতা",
    "capacity.scope": "আসন বদলান",
    "capacity.scope_slot": "শুধু {time}",
    "capacity.scope_no_slot": "শুধু বেছে নেওয়া সময় (বোর্ডে একটি বেছে নিন)",
    "capacity.scope_day": "এই দিনের প্রতিটি সময়",
    "capacity.seats": "প্রতি সময়ে আসন",
    "capacity.hint": "{hospital}-এ সাধারণত প্রতি সময়ে {n}টি আসন।",
    "capacity.hint_slot": "{hospital}-এ সাধারণত প্রতি সময়ে {n}টি আসন; {time}-এ এখন {capacity}টি।",
    "capacity.set": "আসন ঠিক করুন",
    "capacity.clear": "সাধারণ {n}টিতে ফেরান",
    "capacity.done_slot": "{time}-এ এখন {n}টি আসন।",
    "capacity.done_day": "দিনের প্রতিটি সময়ে এখন {n}টি আসন।",
    "capacity.cleared_slot": "{time} আবার সাধারণ {n}টি আসনে ফিরেছে।",
    "capacity.cleared_day": "দিনের প্রতিটি সময় আবার সাধারণ {n}টি আসনে ফিরেছে।",
    "capacity.over": "ধারণক্ষমতার বেশি: {slots}। কাউকে বাতিল করা হয়নি; যথেষ্ট বাতিল না হওয়া পর্যন্ত এই সময়গুলোতে নতুন বুকিং হবে না।",
    "capacity.over_slot": "{time}-এ {capacity}টি আসনের জন্য {booked}টি বুকিং",
  },
});

const INPUTS = {capacity: "capacity-seats"};
const LABELS = {capacity: "capacity.seats", date: "date", time: "time"};

const $ = (id) => document.getElementById(id);
let board = null;
let busy = false;

/** `context`: {key(), hospital(), date(), time(), slot(time), refreshBoard(), signOut()}. */
export function setup(context) {
  board = context;
  $("capacity-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submit(readSeats());
  });
  $("capacity-clear").addEventListener("click", () => submit(null));
}

/** Follow the board: the hospital's usual seats, the chosen slot (if any). */
export function render() {
  const hospital = board.hospital();
  const time = board.time();
  const slot = time && board.slot(time);
  const vars = {n: hospital.max_per_slot, hospital: hospital.name};
  $("capacity-hint").textContent = slot
    ? i18n.t("capacity.hint_slot", {...vars, time: i18n.time(time), capacity: slot.max_capacity})
    : i18n.t("capacity.hint", vars);
  $("capacity-clear").textContent = i18n.t("capacity.clear", {n: hospital.max_per_slot});
  $("capacity-slot").disabled = !time;
  $("capacity-slot-label").textContent = time
    ? i18n.t("capacity.scope_slot", {time: i18n.time(time)}) : i18n.t("capacity.scope_no_slot");
  if (!time) $("capacity-day").checked = true;
}

/** The board chose a slot: that slot becomes what the form changes. */
export function chooseSlot(time) {
  if (time) $("capacity-slot").checked = true;
  render();
}

export function clearResult() {
  ops.report($("capacity-message"), "");
  ops.markInvalid(INPUTS);
}

/** The typed seats as a number, or undefined when it is not a whole number 0..10000. */
function readSeats() {
  const text = $("capacity-seats").value.trim();
  const seats = Number(text);
  return /^\d+$/.test(text) && seats <= 10000 ? seats : undefined;
}

function change(capacity) {
  const body = {hospital: board.hospital().id, date: board.date(), capacity};
  return $("capacity-slot").checked ? {...body, time: board.time()} : body;
}

async function submit(capacity) {
  if (capacity === undefined) {
    return refuse(ops.invalidFields({capacity: "ops.err.seats"}, LABELS));
  }
  if (busy) return;
  busy = true;
  const result = await api.setCapacity(board.key(), change(capacity)).finally(() => {
    busy = false;
  });
  if (result.status === 401) return board.signOut();
  if (result.status !== 200) return refuse(ops.problem(result, LABELS));
  ops.markInvalid(INPUTS);
  showResult(result.body);
  board.refreshBoard();
}

function refuse(found) {
  ops.markInvalid(INPUTS, found.fields);
  ops.report($("capacity-message"), found.text, "error");
}

/** "10:00 now has 16 seats." / "… is back to the usual 15 seats." */
function doneText(answer) {
  const [first] = answer.slots;
  const verb = answer.capacity === null ? "cleared" : "done";
  return answer.slots.length === 1
    ? i18n.t(`capacity.${verb}_slot`, {time: i18n.time(first.time), n: first.max_capacity})
    : i18n.t(`capacity.${verb}_day`, {n: first.max_capacity});
}

function showResult(answer) {
  const done = doneText(answer);
  const over = answer.slots.filter((s) => answer.over_capacity.includes(s.time));
  const warning = over.map((s) => i18n.t("capacity.over_slot", {
    time: i18n.time(s.time), booked: s.current_bookings, capacity: s.max_capacity}));
  ops.report($("capacity-message"),
             over.length ? `${done} ${i18n.t("capacity.over", {slots: warning.join("; ")})}` : done,
             over.length ? "warning" : "ok");
}
