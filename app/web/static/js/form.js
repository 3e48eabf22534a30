// The booking form's rules, the same as the server's (app/api/schemas.py), and showing errors.

import * as i18n from "./i18n.js";
import {explain} from "./messages.js";

const PHONE_CHARS = /^\+?[0-9][0-9 ()\-.]*$/;
const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
// Regions whose local spelling the page knows; in any other region a local number is sent as
// typed and the server reads it in the hospital's phone_region (libphonenumber's rules).
const CALLING_CODE = {BD: "880"};
const LOCAL_EXAMPLE = {BD: "01712 345678"};

/** Where the hospital reads a local phone number: its phone_region (ISO 3166, e.g. "BD"). */
export function regionOf(hospital) {
  return hospital.phone_region || null;
}

export function phoneExample(region) {
  return LOCAL_EXAMPLE[region] || "+8801712345678";
}

export function phoneHint(region) {
  if (!region) return "";
  const country = new Intl.DisplayNames([i18n.locale()], {type: "region"}).of(region);
  if (!LOCAL_EXAMPLE[region]) return i18n.t("phone.hint.local", {country});
  return i18n.t("phone.hint", {country, example: phoneExample(region)});
}

/** The number as the server should store it: a local "0…" number gets the country code. */
export function normalizePhone(typed, region) {
  const text = typed.trim();
  if (!PHONE_CHARS.test(text)) return null;
  let digits = text.replace(/\D/g, "");
  if (digits.length < 7 || digits.length > 15) return null;
  if (!text.startsWith("+") && digits.startsWith("0") && CALLING_CODE[region]) {
    digits = CALLING_CODE[region] + digits.slice(1);
    return digits.length <= 15 ? `+${digits}` : null;
  }
  return (text.startsWith("+") ? "+" : "") + digits;
}

/** Code points, as the server counts them. */
function length(text) {
  return [...text].length;
}

/** {body, errors}: the booking body from the form's values, or i18n keys per invalid field. */
export function readBooking(values, region) {
  const errors = {};
  const name = values.name.trim();
  if (length(name) < 1 || length(name) > 200) errors.name = "err.name";
  const phone = normalizePhone(values.phone, region);
  if (!phone) errors.phone = "err.phone";
  const email = values.email.trim();
  if (email && (!EMAIL.test(email) || email.length > 254)) errors.email = "err.email";
  const notes = values.notes.trim();
  if (length(notes) > 1000) errors.notes = "err.notes";
  const body = {patient_name: name, patient_phone: phone};
  if (email) body.patient_email = email;
  if (notes) body.notes = notes;
  return {body, errors};
}

// The server's field names, for its 400 details.
export const FIELD_OF = {patient_name: "name", patient_phone: "phone", patient_email: "email",
                         notes: "notes", appointment_time: "slot", date: "slot",
                         hospital: "hospital"};

/** A field's server messages as one text in the page's language (js/api-messages.json); a
 *  function, so that a language switch can write it again. */
export function fieldError(messages) {
  return () => [].concat(messages).map((m) => explain(String(m))).join(" ");
}

/** Show (or clear) one field's message; `text` is already in the page's language. */
export function showFieldError(field, text) {
  const message = document.getElementById(`${field}-error`);
  const input = document.getElementById(field);
  message.textContent = text || "";
  message.hidden = !text;
  if (input) {
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

export function showAlert(alert, text) {
  alert.textContent = text || "";
  alert.hidden = !text;
}
