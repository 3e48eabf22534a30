// What the staff panels share: the API's refusals in words staff understand (a 400's field
// messages, 404, 409, 429/503 with Retry-After, no connection), result regions, the confirm
// dialog, and slot-time arithmetic.

import * as api from "./api.js";
import * as i18n from "./i18n.js";
import {explain} from "./messages.js";

i18n.extend({
  en: {
    "ops.err.invalid": "Nothing was changed. Please check:",
    "ops.err.past": "this day has already passed.",
    "ops.err.no_slot": "the time range holds no slot.",
    "ops.err.required": "this is needed.",
    "ops.err.order": "the end must be after the start.",
    "ops.err.not_slot": "not a slot of this hospital.",
    "ops.err.seats": "enter a whole number of seats from 0 to 10000.",
    "ops.err.network": "No connection to the server. Nothing was changed; check the network and try again.",
    "ops.err.closure_gone": "That closure no longer exists (another desk may have reopened it). The list is up to date now.",
    "ops.err.conflict": "Someone changed this at the same moment, so nothing was changed here. The board shows the latest state; check it and try again. ({reason})",
    "ops.err.busy": "Too many requests. Nothing was changed; try again in {n} seconds.",
    "ops.err.unavailable": "The booking store is not answering right now. Nothing was changed; try again in {n} seconds.",
    "ops.err.no_admin": "Staff access is not set up on this server (no admin key). Ask the administrator.",
    "ops.err.other": "The server refused this ({status}): {reason}",
    "ops.range": "{start}–{end}",
    "ops.confirm_no": "No, keep them",
  },
  bn: {
    "ops.err.invalid": "কিছুই বদলানো হয়নি। অনুগ্রহ করে দেখুন:",
    "ops.err.past": "এই দিনটি পেরিয়ে গেছে।",
    "ops.err.no_slot": "এই সময়ের মধ্যে কোনো স্লট নেই।",
    "ops.err.required": "এটি দিতে হবে।",
    "ops.err.order": "শেষের সময় শুরুর পরে হতে হবে।",
    "ops.err.not_slot": "এটি এই হাসপাতালের কোনো স্লট নয়।",
    "ops.err.seats": "০ থেকে ১০০০০-এর মধ্যে আসনের একটি পূর্ণ সংখ্যা লিখুন।",
    "ops.err.network": "সার্ভারের সঙ্গে সংযোগ নেই। কিছুই বদলানো হয়নি; নেটওয়ার্ক দেখে আবার চেষ্টা করুন।",
    "ops.err.closure_gone": "এই বন্ধের আদেশটি আর নেই (অন্য কোনো ডেস্ক হয়তো আবার খুলেছে)। তালিকাটি এখন হালনাগাদ।",
    "ops.err.conflict": "একই মুহূর্তে অন্য কেউ এটি বদলেছেন, তাই এখানে কিছুই বদলানো হয়নি। বোর্ডে সর্বশেষ অবস্থা দেখানো হচ্ছে; দেখে আবার চেষ্টা করুন। ({reason})",
    "ops.err.busy": "অনেক বেশি অনুরোধ। কিছুই বদলানো হয়নি; {n} সেকেন্ড পরে আবার চেষ্টা করুন।",
    "ops.err.unavailable": "বুকিং ডেটাবেস এখন সাড়া দিচ্ছে না। কিছুই বদলানো হয়নি; {n} সেকেন্ড পরে আবার চেষ্টা করুন।",
    "ops.err.no_admin": "এই সার্ভারে কর্মীদের প্রবেশ চালু করা হয়নি (অ্যাডমিন কী নেই)। প্রশাসককে জানান।",
    "ops.err.other": "সার্ভার এটি গ্রহণ করেনি ({status}): {reason}",
    "ops.range": "{start}–{end}",
    "ops.confirm_no": "না, রেখে দিন",
  },
});

// The server's field messages staff can meet (app/api/schemas.py, app/service/operations.py).
const KNOWN_MESSAGES = {
  "Date is in the past.": "ops.err.past",
  "The time range covers no slot.": "ops.err.no_slot",
  "Missing data for required field.": "ops.err.required",
  "Field may not be null.": "ops.err.required",
  "start must be before end.": "ops.err.order",
  "Give both start and end, or neither (the whole day).": "ops.err.order",
  "Not a slot of this hospital.": "ops.err.not_slot",
};

/** Words for a failed staff call: {text, fields: {server field name: words}}. */
export function problem(result, labels = {}) {
  if (result.status === 400 && result.body?.details) return invalid(result.body.details, labels);
  return {text: refusal(result), fields: {}};
}

/** The same shape for what the page itself refuses before asking: {field: i18n key}. */
export function invalidFields(keys, labels) {
  const details = Object.fromEntries(Object.entries(keys).map(([f, key]) => [f, i18n.t(key)]));
  return invalid(details, labels, String);   // already in the page's language
}

function invalid(details, labels, words = fieldMessage) {
  const fields = {};
  for (const [name, messages] of Object.entries(details)) {
    fields[name] = [].concat(messages).map(words).join(" ");
  }
  const lines = Object.entries(fields).map(
    ([name, text]) => (labels[name] ? `${i18n.t(labels[name])}: ${text}` : text));
  return {text: [i18n.t("ops.err.invalid"), ...lines].join(" "), fields};
}

function fieldMessage(message) {
  const key = KNOWN_MESSAGES[message];
  return key ? i18n.t(key) : explain(String(message));
}

function refusal(result) {
  const {status, body} = result;
  const reason = body?.error || "";
  if (status === 0) return i18n.t("ops.err.network");
  if (status === 404 && reason === "Closure not found") return i18n.t("ops.err.closure_gone");
  if (status === 409) return i18n.t("ops.err.conflict", {reason: explain(reason)});
  if (status === 429) return i18n.t("ops.err.busy", {n: api.retryAfter(result)});
  if (status === 503 && reason.startsWith("Admin access")) return i18n.t("ops.err.no_admin");
  if (status === 503) return i18n.t("ops.err.unavailable", {n: api.retryAfter(result)});
  return i18n.t("ops.err.other", {status, reason: explain(reason)});
}

/** Put a result in a panel's live region; kind "ok", "warning" or "error". */
export function report(region, text, kind = "ok") {
  region.textContent = text || "";
  region.className = text ? `outcome ${kind}` : "outcome";
}

/** Mark the inputs a problem names (`inputs`: server field -> element id); clear the rest. */
export function markInvalid(inputs, fields = {}) {
  for (const [name, id] of Object.entries(inputs)) {
    const input = document.getElementById(id);
    if (fields[name]) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  const first = Object.keys(inputs).find((name) => fields[name]);
  if (first) document.getElementById(inputs[first]).focus();
}

/** Ask in the page's modal dialog; resolves true only on the explicit "yes" button. */
export function confirmAction(question, yesLabel) {
  const dialog = document.getElementById("confirm-dialog");
  const opener = document.activeElement;
  document.getElementById("confirm-question").textContent = question;
  document.getElementById("confirm-yes").textContent = yesLabel;
  document.getElementById("confirm-no").textContent = i18n.t("ops.confirm_no");
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      opener?.focus?.();
      resolve(dialog.returnValue === "yes");
    }, {once: true});
  });
}

/** "HH:MM" plus `minutes`. */
export function addMinutes(hhmm, minutes) {
  const [h, m] = hhmm.split(":").map(Number);
  const total = h * 60 + m + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

/** Every slot start of a hospital's day, from its published schedule. */
export function slotTimes(hospital) {
  const {opens, closes, slot_minutes: minutes} = hospital.schedule;
  const times = [];
  for (let t = opens; addMinutes(t, minutes) <= closes; t = addMinutes(t, minutes)) times.push(t);
  return times;
}

/** A closure's hours in words ("14:00–17:00"), or null for the whole day. */
export function hoursOf(closure) {
  if (!closure.start) return null;
  return i18n.t("ops.range", {start: i18n.time(closure.start), end: i18n.time(closure.end)});
}
