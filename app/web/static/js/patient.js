// The patient page: hospital → day → live slot grid → details → confirmation.

import * as api from "./api.js";
import * as form from "./form.js";
import * as i18n from "./i18n.js";
import * as messages from "./messages.js";
import {SlotPicker} from "./picker.js";

const $ = (id) => document.getElementById(id);
const FIELDS = ["hospital", "slot", "name", "phone", "email", "notes"];
// The one-column layout of app.css: there the first open day is chosen at once, so that the
// first screen shows times.
const PHONE = matchMedia("(max-width: 899px)");

const state = {hospitals: [], hospital: null, attempt: null, submitting: false, booked: null,
               errors: {}, alert: null};

const picker = new SlotPicker(
  {calendar: $("calendar"), slots: $("slots"), note: $("slot-note"), live: $("live-note"),
   announcer: $("announcer"), soon: $("soon"), allDays: $("all-days"),
   calendarBox: $("calendar-box")},
  {name: "book", onTime: (time) => { if (time) setError("slot", null); },
   preselect: () => PHONE.matches});

// Errors are kept as functions writing them, so that a language switch writes them again.
const written = (key, vars) => (key ? () => i18n.t(key, vars) : null);

function setError(field, key, vars) {
  showError(field, written(key, vars));
}

function showError(field, text) {
  state.errors[field] = text;
  form.showFieldError(field, text ? text() : "");
}

function setAlert(key, vars) {
  showAlert(written(key, vars));
}

function showAlert(text) {
  state.alert = text;
  form.showAlert($("form-alert"), text ? text() : "");
}

async function loadHospitals() {
  const result = await api.hospitals();
  if (result.status !== 200) return result.status === 0 ? setAlert("err.network") : failAnswer(result);
  state.hospitals = result.body.hospitals;
  const select = $("hospital");
  select.replaceChildren(...state.hospitals.map((h) => new Option(i18n.hospitalName(h), h.id)));
  const wanted = new URLSearchParams(location.search).get("hospital");
  if (state.hospitals.some((h) => h.id === wanted)) select.value = wanted;
  chooseHospital(select.value);
}

function chooseHospital(id) {
  state.hospital = state.hospitals.find((h) => h.id === id);
  showHospitalHints();
  picker.setHospital(state.hospital);
}

function showHospitalHints() {
  const {schedule} = state.hospital;
  $("hospital-hint").textContent = i18n.t("hospital.hint", {
    opens: i18n.time(schedule.opens), closes: i18n.time(schedule.closes),
    minutes: schedule.slot_minutes,
    closed: schedule.closed_weekdays.map(i18n.weekday).join(", ")});
  $("phone-hint").textContent = form.phoneHint(form.regionOf(state.hospital));
}

function values() {
  return {name: $("name").value, phone: $("phone").value, email: $("email").value,
          notes: $("notes").value};
}

/** The same key for a resend of the same booking (a retry), a fresh one for anything else. */
function idempotencyKey(body) {
  const fingerprint = JSON.stringify(body);
  if (state.attempt?.fingerprint !== fingerprint) {
    state.attempt = {fingerprint, key: api.randomKey()};
  }
  return state.attempt.key;
}

function validate() {
  const region = form.regionOf(state.hospital);
  const {body, errors} = form.readBooking(values(), region);
  if (!picker.time) errors.slot = "err.slot";
  for (const field of FIELDS) {
    const vars = field === "phone" ? {example: form.phoneExample(region)} : {};
    setError(field, errors[field], vars);
  }
  const first = FIELDS.find((f) => errors[f]);
  return first ? {first} : {body: {hospital: state.hospital.id, date: picker.date,
                                   appointment_time: picker.time, ...body}};
}

function focusField(field) {
  const target = field === "slot"
    ? $("slots").querySelector("input:checked, input:not(:disabled)") || $("slots")
    : $(field);
  target?.focus();
}

async function submit(event) {
  event.preventDefault();
  if (state.submitting) return;   // a double click sends one request
  setAlert(null);
  const checked = validate();
  if (checked.first) {
    setAlert("err.form");
    focusField(checked.first);
    return;
  }
  setBusy(true);
  const result = await api.book(checked.body, idempotencyKey(checked.body));
  setBusy(false);
  handleAnswer(result, checked.body);
}

function setBusy(busy) {
  state.submitting = busy;
  const button = $("submit");
  button.setAttribute("aria-disabled", String(busy));
  button.textContent = i18n.t(busy ? "booking" : "book");
  $("book-form").setAttribute("aria-busy", String(busy));
}

function handleAnswer(result, body) {
  if (result.status === 201) return showBooked(result.body);
  const retryable = result.status === 0 || result.status === 429 || result.status >= 500
    || (result.status === 409 && !isFull(result) && !isDuplicate(result));
  if (!retryable) state.attempt = null;   // decided: the next submit is a new request
  if (result.status === 409) return refused(result, body);
  if (result.status === 400) return invalid(result);
  if (result.status === 429 || result.status === 503) {
    return fail("err.busy", {n: api.retryAfter(result)});
  }
  if (result.status === 0) return fail("err.network");
  return failAnswer(result);
}

function isFull(result) {
  return result.body?.error === "Slot is fully booked";
}

function isDuplicate(result) {
  return result.body?.error === "Patient already booked for this slot";
}

function fail(key, vars) {
  setAlert(key, vars);
  $("form-alert").focus();
}

/** The server's own words for a refusal (the patient cap, a closed day…), in the page's language. */
function failAnswer(result) {
  const body = result.body || {error: String(result.status)};
  showAlert(() => messages.ofAnswer(body));
  $("form-alert").focus();
}

/** 409: the seat went while the form was open. Refresh the grid, keep what was typed. */
function refused(result, body) {
  const time = i18n.time(body.appointment_time);
  if (isFull(result)) {
    picker.setTime(null);
    picker.refresh();
    return fail("err.full", {time});
  }
  if (isDuplicate(result)) return fail("err.duplicate", {time});
  return failAnswer(result);
}

function invalid(result) {
  const details = result.body?.details;
  if (!details) {
    picker.refresh();
    return failAnswer(result);
  }
  let first = null;
  for (const [name, sent] of Object.entries(details)) {
    const field = form.FIELD_OF[name];
    if (!field) continue;
    showError(field, form.fieldError(sent));
    first = first || field;
  }
  if (first === "slot") picker.refresh();
  if (!first) return failAnswer({body: {error: Object.values(details).flat()[0]}});
  setAlert("err.form");
  focusField(first);
}

function manageUrl(appointment, token) {
  const fragment = new URLSearchParams({id: appointment.id, token});
  return `${location.origin}/manage#${fragment}`;
}

function showBooked(answer) {
  state.booked = answer;
  state.attempt = null;
  picker.watcher.stop();
  showConfirmation();
  $("booking").hidden = true;
  $("confirmation").hidden = false;
  $("confirm-title").focus();
}

function showConfirmation() {
  const a = state.booked.appointment;
  $("confirm-when").textContent = `${i18n.date(a.date)}, ${i18n.time(a.appointment_time)}`;
  const hospital = state.hospitals.find((h) => h.id === a.hospital_id);
  $("confirm-where").textContent = hospital ? i18n.hospitalName(hospital) : a.hospital;
  $("confirm-who").textContent = a.patient_name;
  $("confirm-phone").textContent = a.patient_phone;
  $("confirm-serial-number").textContent = i18n.serial(a.serial);
  $("confirm-ref").textContent = i18n.reference(a.reference);
  $("confirm-ref-hint").hidden = !a.reference;
  $("manage-link").href = manageUrl(a, state.booked.access_token);
}

async function copyLink() {
  try {
    await navigator.clipboard.writeText($("manage-link").href);
    $("copy-status").textContent = i18n.t("confirm.copied");
  } catch {
    getSelection().selectAllChildren($("manage-link"));
  }
}

function bookAgain() {
  state.booked = null;
  for (const id of ["name", "phone", "email", "notes"]) $(id).value = "";
  $("copy-status").textContent = "";
  $("confirmation").hidden = true;
  $("booking").hidden = false;
  picker.setHospital(state.hospital);
  $("hospital").focus();
}

/** A language switch re-renders everything written by script. */
function relabel() {
  for (const option of $("hospital").options) {
    const hospital = state.hospitals.find((h) => h.id === option.value);
    if (hospital) option.text = i18n.hospitalName(hospital);
  }
  if (!state.hospital) return;
  showHospitalHints();
  picker.rerender();
  for (const field of FIELDS) {
    const error = state.errors[field];
    if (error) form.showFieldError(field, error());
  }
  if (state.alert) form.showAlert($("form-alert"), state.alert());
  if (state.booked) showConfirmation();
  $("submit").textContent = i18n.t(state.submitting ? "booking" : "book");
}

i18n.setupSwitch(relabel);
$("hospital").addEventListener("change", (e) => chooseHospital(e.target.value));
$("book-form").addEventListener("submit", submit);
$("copy-link").addEventListener("click", copyLink);
$("book-again").addEventListener("click", bookAgain);
loadHospitals();
