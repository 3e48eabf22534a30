// The board's search by reference: the one appointment a patient names at the counter or on
// the phone (K7QM-3XD2, in any case, with or without the hyphen), and the way to its slot.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import {ofResult} from "./messages.js";
import {report} from "./ops.js";

i18n.extend({
  en: {
    "find.title": "Find by reference",
    "find.hint": "8 letters and digits, like K7QM-3XD2, as the patient reads it out.",
    "find.submit": "Find",
    "find.show": "Show its slot on the board",
    "find.empty": "Type the reference the patient reads out, like K7QM-3XD2.",
    "find.none": "No appointment has the reference {reference}. Check it with the patient and type it again.",
  },
  bn: {
    "find.title": "রেফারেন্স দিয়ে খুঁজুন",
    "find.hint": "৮টি অক্ষর ও সংখ্যা, যেমন K7QM-3XD2, রোগী যেভাবে পড়ে শোনান।",
    "find.submit": "খুঁজুন",
    "find.show": "বোর্ডে এর সময়টি দেখান",
    "find.empty": "রোগী যে রেফারেন্স পড়ে শোনান সেটি লিখুন, যেমন K7QM-3XD2।",
    "find.none": "{reference} রেফারেন্সের কোনো অ্যাপয়েন্টমেন্ট নেই। রোগীর সঙ্গে মিলিয়ে আবার লিখুন।",
  },
});

const $ = (id) => document.getElementById(id);
let board = null;
// The last answer, kept so that a language switch writes it again; `message`: {text(), kind}.
const search = {found: null, message: null, generation: 0};

/** `context`: {key(), hospitalOf(id), statusLabel(status), showSlot(hospital, date, time),
 *  signOut()} from the board. */
export function setup(context) {
  board = context;
  $("find-form").addEventListener("submit", (event) => {
    event.preventDefault();
    find(i18n.latinDigits($("find-reference").value.trim()));
  });
  $("find-show").addEventListener("click", () => {
    const a = search.found;
    board.showSlot(a.hospital_id, a.date, a.appointment_time);
  });
}

async function find(typed) {
  const generation = ++search.generation;
  if (!typed) return show(null, {text: () => i18n.t("find.empty"), kind: "error"}, true);
  const result = await api.appointmentByReference(board.key(), typed);
  if (generation !== search.generation) return;   // a newer search was sent meanwhile
  if (result.status === 401) return board.signOut();
  if (result.status !== 200) {
    return show(null, {text: () => ofResult(result), kind: "error"}, result.status === 400);
  }
  const [found] = result.body.items;
  if (found) return show(found, null);
  show(null, {text: () => i18n.t("find.none", {reference: i18n.reference(typed)}),
              kind: "warning"});
}

function show(found, message, invalid = false) {
  Object.assign(search, {found, message});
  const input = $("find-reference");
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
  render();
}

/** Write the found appointment and the message again (a language switch). */
export function render() {
  const {found: a, message} = search;
  report($("find-message"), message?.text(), message?.kind);
  $("find-result").hidden = !a;
  if (!a) return;
  const hospital = board.hospitalOf(a.hospital_id);
  $("found-serial").textContent = i18n.serial(a.serial);
  $("found-ref").textContent = i18n.reference(a.reference);
  $("found-who").textContent = a.patient_name;
  $("found-phone").textContent = a.patient_phone;
  $("found-where").textContent = hospital ? i18n.hospitalName(hospital) : a.hospital;
  $("found-when").textContent = `${i18n.date(a.date)}, ${i18n.time(a.appointment_time)}`;
  $("found-status").textContent = board.statusLabel(a.status);
}
