// The manage page: the appointment named by the URL fragment (#id=…&token=…, never sent to
// the server), with cancel and reschedule on the same live slot grid as the booking page.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import {SlotPicker} from "./picker.js";

const $ = (id) => document.getElementById(id);
const fragment = new URLSearchParams(location.hash.slice(1));
const id = fragment.get("id");
const token = fragment.get("token");
const state = {appointment: null, hospital: null, message: null, busy: false};

const picker = new SlotPicker(
  {calendar: $("calendar"), slots: $("slots"), note: $("slot-note"), live: $("live-note"),
   announcer: $("announcer")}, {name: "move"});

function say(key, vars, {raw} = {}) {
  state.message = key || raw ? {key, vars, raw} : null;
  const box = $("message");
  box.textContent = raw ?? (key ? i18n.t(key, vars) : "");
  box.hidden = !box.textContent;
  if (!box.hidden) box.focus();
}

async function load() {
  if (!id || !token) {
    $("loading").hidden = true;
    return say("manage.missing");
  }
  const [found, hospitals] = await Promise.all([api.appointment(id, token), api.hospitals()]);
  $("loading").hidden = true;
  if (found.status !== 200) {
    return found.status === 0 ? say("err.network") : say(null, null, {raw: found.body?.error});
  }
  const a = found.body.appointment;
  state.hospital = hospitals.body?.hospitals.find((h) => h.id === a.hospital_id
                                                  || h.name === a.hospital);
  show(a);
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
  $("where").textContent = a.hospital;
  $("who").textContent = a.patient_name;
  $("status").textContent = i18n.t(`status.${a.status}`);
  $("status").dataset.status = a.status;
  $("ref").textContent = a.id;
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
  const result = await api.changeAppointment(id, token, {status: "cancelled"});
  state.busy = false;
  $("cancel-confirm").hidden = true;
  if (result.status !== 200) return failed(result);
  show(result.body.appointment);
  say("manage.cancelled");
}

async function move(event) {
  event.preventDefault();
  if (state.busy) return;
  if (!picker.time) return say("err.slot");
  state.busy = true;
  const target = {date: picker.date, appointment_time: picker.time};
  const result = await api.changeAppointment(id, token, target);
  state.busy = false;
  if (result.status !== 200) return failed(result, target);
  show(result.body.appointment);
  picker.setTime(null);
  picker.refresh();
  say("manage.moved", {date: i18n.date(target.date), time: i18n.time(target.appointment_time)});
}

function failed(result, target) {
  if (result.status === 409 && result.body?.error === "Slot is fully booked") {
    picker.setTime(null);
    picker.refresh();
    return say("err.full", {time: i18n.time(target.appointment_time)});
  }
  if (result.status === 0) return say("err.network");
  if (result.status === 429 || result.status === 503) {
    return say("err.busy", {n: api.retryAfter(result)});
  }
  return say(null, null, {raw: result.body?.error || String(result.status)});
}

function relabel() {
  if (state.appointment) render();
  picker.rerender();
  if (state.message?.key) $("message").textContent = i18n.t(state.message.key, state.message.vars);
}

i18n.setupSwitch(relabel);
$("cancel").addEventListener("click", askCancel);
$("cancel-no").addEventListener("click", keep);
$("cancel-yes").addEventListener("click", cancel);
$("move-form").addEventListener("submit", move);
load();
