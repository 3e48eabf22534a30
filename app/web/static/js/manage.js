// The manage page: the appointment named by the URL fragment (#id=…&token=…, never sent to
// the server), with cancel and reschedule on the same live slot grid as the booking page.
// A second manage link opened in the same tab (only the fragment changes) is read afresh.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import * as messages from "./messages.js";
import {SlotPicker} from "./picker.js";

const $ = (id) => document.getElementById(id);
const state = {id: null, token: null, appointment: null, hospitals: [], hospital: null,
               message: null, lost: null, busy: false, generation: 0};

const picker = new SlotPicker(
  {calendar: $("calendar"), slots: $("slots"), note: $("slot-note"), live: $("live-note"),
   announcer: $("announcer")}, {name: "move"});

/** Show one message: an error (role=alert) or a success (role=status), never both.
 *  `text` is a function, so that a language switch writes it again. */
function say(kind, text) {
  state.message = text ? {kind, text} : null;
  for (const [which, box] of [["error", $("message-error")], ["ok", $("message-ok")]]) {
    box.textContent = text && kind === which ? text() : "";
    box.hidden = !box.textContent;
    if (!box.hidden) box.focus();
  }
}

const sayError = (key, vars) => say("error", () => i18n.t(key, vars));
const sayDone = (key, vars) => say("ok", () => i18n.t(key, vars));
const sayRefusal = (body) => say("error", () => messages.ofAnswer(body));

function readFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  Object.assign(state, {id: fragment.get("id"), token: fragment.get("token"),
                        appointment: null, hospital: null, lost: null});
}

/** Forget what the previous link showed. */
function clear() {
  say(null);
  $("loading").hidden = true;
  picker.watcher.stop();
  picker.hospital = null;
  picker.date = null;
  picker.setTime(null);
  for (const id of ["appointment", "move", "book-new", "lost", "cancel-confirm"]) $(id).hidden = true;
}

async function load() {
  readFragment();
  clear();
  if (!state.id || !state.token) return sayError("manage.missing");
  $("loading").hidden = false;
  const generation = ++state.generation;
  const [found, hospitals] = await Promise.all([api.appointment(state.id, state.token),
                                                api.hospitals()]);
  if (generation !== state.generation) return;   // another link was opened meanwhile
  $("loading").hidden = true;
  state.hospitals = hospitals.body?.hospitals || [];
  if (found.status === 0) return sayError("err.network");
  if (found.status !== 200) return notFound(found.body);
  const a = found.body.appointment;
  state.hospital = state.hospitals.find((h) => h.id === a.hospital_id || h.name === a.hospital);
  show(a);
}

/** The lost-link answer: what happened, and where the patient turns (the hospitals' desks). */
function notFound(body) {
  sayRefusal(body || {});
  state.lost = body?.help ? body : null;
  renderLost();
}

function renderLost() {
  $("lost").hidden = !state.lost;
  if (!state.lost) return;
  $("lost-help").textContent = messages.explain(state.lost.help);
  $("contacts").replaceChildren(...(state.lost.contacts || []).map((c) => {
    const item = document.createElement("li");
    const name = document.createElement("strong");
    const hospital = state.hospitals.find((h) => h.id === c.hospital_id);
    name.textContent = hospital ? i18n.hospitalName(hospital) : c.name;
    item.append(name, document.createTextNode(`: ${i18n.contact(c)}`));
    return item;
  }));
}

function show(appointment) {
  state.appointment = appointment;
  render();
  $("appointment").hidden = false;
  const changeable = appointment.status === "booked" && state.hospital;
  $("actions").hidden = !changeable;
  $("move").hidden = !changeable;
  $("book-new").hidden = appointment.status !== "cancelled";
  if (changeable && !picker.hospital) picker.setHospital(state.hospital);
  if (!changeable) picker.watcher.stop();
}

function render() {
  const a = state.appointment;
  $("when").textContent = `${i18n.date(a.date)}, ${i18n.time(a.appointment_time)}`;
  $("where").textContent = state.hospital ? i18n.hospitalName(state.hospital) : a.hospital;
  $("who").textContent = a.patient_name;
  $("status").textContent = i18n.t(`status.${a.status}`);
  $("status").dataset.status = a.status;
  $("serial-number").textContent = i18n.serial(a.serial);
  $("ref").textContent = i18n.reference(a.reference);
  $("ref-hint").hidden = !a.reference;
  $("cancel-question").textContent = i18n.t("manage.cancel_confirm", {
    date: i18n.date(a.date), time: i18n.time(a.appointment_time)});
}

function askCancel() {
  $("cancel-confirm").hidden = false;
  $("cancel-yes").focus();
}

function keep() {
  $("cancel-confirm").hidden = true;
  $("cancel").focus();
}

async function cancel() {
  if (state.busy) return;
  state.busy = true;
  const result = await api.changeAppointment(state.id, state.token, {status: "cancelled"});
  state.busy = false;
  $("cancel-confirm").hidden = true;
  if (result.status !== 200) return failed(result);
  show(result.body.appointment);
  sayDone("manage.cancelled");
}

async function move(event) {
  event.preventDefault();
  if (state.busy) return;
  if (!picker.time) return sayError("err.slot");
  state.busy = true;
  const target = {date: picker.date, appointment_time: picker.time};
  const result = await api.changeAppointment(state.id, state.token, target);
  state.busy = false;
  if (result.status !== 200) return failed(result, target);
  show(result.body.appointment);
  picker.setTime(null);
  picker.refresh();
  sayDone("manage.moved", {date: i18n.date(target.date), time: i18n.time(target.appointment_time)});
}

function failed(result, target) {
  if (result.status === 409 && result.body?.error === "Slot is fully booked") {
    picker.setTime(null);
    picker.refresh();
    return sayError("err.full", {time: i18n.time(target.appointment_time)});
  }
  if (result.status === 0) return sayError("err.network");
  if (result.status === 429 || result.status === 503) {
    return sayError("err.busy", {n: api.retryAfter(result)});
  }
  if (result.status === 400 && result.body?.details) {
    return say("error", () => Object.values(result.body.details).flat()
      .map((m) => messages.explain(String(m))).join(" "));
  }
  return sayRefusal(result.body || {error: String(result.status)});
}

function relabel() {
  if (state.appointment) render();
  picker.rerender();
  renderLost();
  if (state.message) say(state.message.kind, state.message.text);
}

i18n.setupSwitch(relabel);
$("cancel").addEventListener("click", askCancel);
$("cancel-no").addEventListener("click", keep);
$("cancel-yes").addEventListener("click", cancel);
$("move-form").addEventListener("submit", move);
window.addEventListener("hashchange", load);
load();
