// English and Bangla: the words of the pages, and dates, times and numbers through Intl.
// Elements carry data-i18n (text), data-i18n-placeholder or data-i18n-label (aria-label).

const STRINGS = {
  en: {
    "lang.label": "Language",
    "skip": "Skip to the form",
    "patient.title": "Book a hospital appointment",
    "patient.lead": "Choose a hospital, a day and a time. Seats update live.",
    "hospital": "Hospital",
    "hospital.hint": "Open {opens}–{closes}, {minutes}-minute slots. Closed on {closed}.",
    "date": "Day",
    "date.hint": "Days you cannot book are greyed out.",
    "date.closed": "closed",
    "date.soon": "Next open days",
    "date.all": "All dates",
    "date.fewer": "Fewer dates",
    "time": "Time",
    "time.pick_date": "Choose a day first.",
    "time.closed_day": "The hospital is closed on this day.",
    "time.none": "No slots left on this day.",
    "slot.seats.one": "{n} seat left",
    "slot.seats.other": "{n} seats left",
    "slot.full": "Full",
    "slot.started": "Started",
    "slot.closed": "Closed",
    "slot.past": "Past",
    "live.ok": "Seats update live · checked {time}",
    "live.retrying": "Connection lost, retrying… Seat counts may be out of date.",
    "live.full_now": "{time} is now full. Please choose another time.",
    "live.seats_now": "{time}: {seats}",
    "details": "Your details",
    "name": "Full name",
    "phone": "Mobile phone",
    "phone.hint": "A number in {country} may start with 0 (e.g. {example}); otherwise start with + and the country code.",
    "phone.hint.local": "A {country} number may be written as it is dialled there; otherwise start with + and the country code.",
    "email": "Email (optional)",
    "notes": "Notes for the hospital (optional)",
    "book": "Book this time",
    "booking": "Booking…",
    "err.name": "Enter your name (up to 200 characters).",
    "err.phone": "Enter a phone number such as {example}: 7 to 15 digits.",
    "err.email": "Enter a valid email address, or leave it empty.",
    "err.notes": "Notes can be up to 1000 characters.",
    "err.slot": "Choose a time that has seats left.",
    "err.hospital": "Choose a hospital.",
    "err.form": "Please correct the fields marked below.",
    "err.full": "Sorry, the last seat at {time} was just taken. The times below are up to date: choose another one and press Book again. Your details are kept.",
    "err.duplicate": "This phone number already has an appointment at {time} on this day.",
    "err.busy": "The service is busy. Please try again in {n} seconds; your details are kept.",
    "err.network": "No connection. Check your network and press the button again; you will not be booked twice.",
    "err.other": "Something went wrong ({reason}). Please try again; if it keeps happening, contact the hospital.",
    "confirm.title": "Your appointment is booked",
    "confirm.when": "When",
    "confirm.where": "Hospital",
    "confirm.who": "Patient",
    "confirm.phone": "Phone",
    "confirm.ref": "Reference",
    "confirm.serial": "Your serial:",
    "confirm.ref_hint": "Quote this reference at the hospital's counter or on the phone.",
    "serial": "Serial",
    "confirm.manage": "Manage my appointment",
    "confirm.private": "This private link lets you see, move or cancel your appointment. Keep it safe: anyone with it can cancel, and it is shown only once. Bookmark it or copy it now.",
    "confirm.copy": "Copy link",
    "confirm.copied": "Link copied.",
    "confirm.again": "Book another appointment",
    "manage.title": "Your appointment",
    "manage.loading": "Loading your appointment…",
    "manage.missing": "This link is incomplete. Open the full link from your booking confirmation.",
    "manage.status": "Status",
    "manage.cancel": "Cancel this appointment",
    "manage.cancel_confirm": "Cancel the appointment at {time} on {date}?",
    "manage.cancel_yes": "Yes, cancel it",
    "manage.cancel_no": "No, keep it",
    "manage.cancelled": "Your appointment is cancelled. The seat is free for someone else.",
    "manage.move": "Move to another time",
    "manage.move_button": "Move my appointment here",
    "manage.moved": "Done: your appointment is now at {time} on {date}.",
    "manage.book_new": "Book a new appointment",
    "manage.lost": "Where to get help",
    "status.booked": "Booked",
    "status.cancelled": "Cancelled",
    "status.checked_in": "Checked in",
    "status.completed": "Completed",
    "status.no_show": "Did not come",
    "status.rescheduled": "Moved",
  },
  bn: {
    "lang.label": "ভাষা",
    "skip": "ফর্মে যান",
    "patient.title": "হাসপাতালে অ্যাপয়েন্টমেন্ট বুক করুন",
    "patient.lead": "হাসপাতাল, দিন ও সময় বেছে নিন। খালি আসনের সংখ্যা সঙ্গে সঙ্গে হালনাগাদ হয়।",
    "hospital": "হাসপাতাল",
    "hospital.hint": "খোলা {opens}–{closes}, প্রতিটি সময় {minutes} মিনিটের। বন্ধ: {closed}।",
    "date": "দিন",
    "date.hint": "যে দিনগুলোতে বুক করা যায় না সেগুলো ধূসর।",
    "date.closed": "বন্ধ",
    "date.soon": "সামনের খোলা দিনগুলো",
    "date.all": "সব তারিখ",
    "date.fewer": "কম তারিখ",
    "time": "সময়",
    "time.pick_date": "আগে একটি দিন বেছে নিন।",
    "time.closed_day": "এই দিনে হাসপাতাল বন্ধ।",
    "time.none": "এই দিনে আর কোনো খালি সময় নেই।",
    "slot.seats.one": "{n}টি আসন খালি",
    "slot.seats.other": "{n}টি আসন খালি",
    "slot.full": "পূর্ণ",
    "slot.started": "শুরু হয়ে গেছে",
    "slot.closed": "বন্ধ",
    "slot.past": "পেরিয়ে গেছে",
    "live.ok": "আসনের সংখ্যা সরাসরি হালনাগাদ হচ্ছে · যাচাই {time}",
    "live.retrying": "সংযোগ বিচ্ছিন্ন, আবার চেষ্টা চলছে… আসনের সংখ্যা পুরোনো হতে পারে।",
    "live.full_now": "{time} এখন পূর্ণ। অনুগ্রহ করে অন্য একটি সময় বেছে নিন।",
    "live.seats_now": "{time}: {seats}",
    "details": "আপনার তথ্য",
    "name": "পুরো নাম",
    "phone": "মোবাইল নম্বর",
    "phone.hint": "{country}-এর নম্বর ০ দিয়ে শুরু হতে পারে (যেমন {example}); অন্যথায় + ও দেশের কোড দিয়ে শুরু করুন।",
    "phone.hint.local": "{country}-এর নম্বর সেখানে যেভাবে ডায়াল করা হয় সেভাবে লেখা যায়; অন্যথায় + ও দেশের কোড দিয়ে শুরু করুন।",
    "email": "ইমেইল (ঐচ্ছিক)",
    "notes": "হাসপাতালের জন্য মন্তব্য (ঐচ্ছিক)",
    "book": "এই সময়ে বুক করুন",
    "booking": "বুক করা হচ্ছে…",
    "err.name": "আপনার নাম লিখুন (২০০ অক্ষরের মধ্যে)।",
    "err.phone": "{example}-এর মতো একটি ফোন নম্বর লিখুন: ৭ থেকে ১৫ অঙ্ক।",
    "err.email": "সঠিক ইমেইল ঠিকানা লিখুন, অথবা ঘরটি খালি রাখুন।",
    "err.notes": "মন্তব্য ১০০০ অক্ষরের মধ্যে হতে হবে।",
    "err.slot": "খালি আসন আছে এমন একটি সময় বেছে নিন।",
    "err.hospital": "একটি হাসপাতাল বেছে নিন।",
    "err.form": "নিচে চিহ্নিত ঘরগুলো ঠিক করুন।",
    "err.full": "দুঃখিত, {time}-এর শেষ আসনটি এইমাত্র নেওয়া হয়ে গেছে। নিচের সময়গুলো হালনাগাদ করা হয়েছে: অন্য একটি বেছে নিয়ে আবার বুক করুন। আপনার লেখা তথ্য রাখা আছে।",
    "err.duplicate": "এই ফোন নম্বরে এই দিনের {time}-এ আগেই একটি অ্যাপয়েন্টমেন্ট আছে।",
    "err.busy": "সেবাটি এখন ব্যস্ত। {n} সেকেন্ড পরে আবার চেষ্টা করুন; আপনার তথ্য রাখা আছে।",
    "err.network": "সংযোগ নেই। নেটওয়ার্ক দেখে আবার বোতাম চাপুন; দুবার বুক হবে না।",
    "err.other": "একটি সমস্যা হয়েছে ({reason})। আবার চেষ্টা করুন; বারবার হলে হাসপাতালে যোগাযোগ করুন।",
    "confirm.title": "আপনার অ্যাপয়েন্টমেন্ট বুক হয়েছে",
    "confirm.when": "কবে",
    "confirm.where": "হাসপাতাল",
    "confirm.who": "রোগী",
    "confirm.phone": "ফোন",
    "confirm.ref": "রেফারেন্স",
    "confirm.serial": "আপনার সিরিয়াল:",
    "confirm.ref_hint": "হাসপাতালের কাউন্টারে বা ফোনে এই রেফারেন্সটি বলুন।",
    "serial": "সিরিয়াল",
    "confirm.manage": "আমার অ্যাপয়েন্টমেন্ট দেখুন ও বদলান",
    "confirm.private": "এই ব্যক্তিগত লিংক দিয়ে আপনি অ্যাপয়েন্টমেন্ট দেখতে, সরাতে বা বাতিল করতে পারবেন। এটি নিরাপদে রাখুন: লিংকটি যার কাছে থাকবে সে-ই বাতিল করতে পারবে, আর এটি শুধু একবারই দেখানো হয়। এখনই বুকমার্ক বা কপি করুন।",
    "confirm.copy": "লিংক কপি করুন",
    "confirm.copied": "লিংক কপি হয়েছে।",
    "confirm.again": "আরেকটি অ্যাপয়েন্টমেন্ট বুক করুন",
    "manage.title": "আপনার অ্যাপয়েন্টমেন্ট",
    "manage.loading": "আপনার অ্যাপয়েন্টমেন্ট আনা হচ্ছে…",
    "manage.missing": "লিংকটি অসম্পূর্ণ। বুকিং নিশ্চিতকরণের পুরো লিংকটি খুলুন।",
    "manage.status": "অবস্থা",
    "manage.cancel": "অ্যাপয়েন্টমেন্ট বাতিল করুন",
    "manage.cancel_confirm": "{date}, {time}-এর অ্যাপয়েন্টমেন্ট বাতিল করবেন?",
    "manage.cancel_yes": "হ্যাঁ, বাতিল করুন",
    "manage.cancel_no": "না, রেখে দিন",
    "manage.cancelled": "আপনার অ্যাপয়েন্টমেন্ট বাতিল হয়েছে। আসনটি এখন অন্য কেউ নিতে পারবেন।",
    "manage.move": "অন্য সময়ে সরান",
    "manage.move_button": "আমার অ্যাপয়েন্টমেন্ট এই সময়ে সরান",
    "manage.moved": "হয়ে গেছে: আপনার অ্যাপয়েন্টমেন্ট এখন {date}, {time}-এ।",
    "manage.book_new": "নতুন অ্যাপয়েন্টমেন্ট বুক করুন",
    "manage.lost": "কোথায় সাহায্য পাবেন",
    "status.booked": "বুক করা",
    "status.cancelled": "বাতিল",
    "status.checked_in": "উপস্থিত",
    "status.completed": "সম্পন্ন",
    "status.no_show": "আসেননি",
    "status.rescheduled": "অন্য সময়ে সরানো",
  },
};

const LOCALES = {en: "en-GB", bn: "bn-BD"};
const STORAGE_KEY = "lang";

export let lang = initialLanguage();

function initialLanguage() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored in STRINGS) return stored;
  return (navigator.language || "").toLowerCase().startsWith("bn") ? "bn" : "en";
}

/** Pages may add their own words (the staff board does). */
export function extend(words) {
  for (const [language, table] of Object.entries(words)) Object.assign(STRINGS[language], table);
}

export function locale() {
  return LOCALES[lang];
}

/** The text for `key` with {placeholders} filled; numbers are written in the language's digits. */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => {
    const value = vars[name];
    return typeof value === "number" ? number(value) : String(value ?? "");
  });
}

/** A hospital's name in the page's language (its configured `name_bn` in Bangla). */
export function hospitalName(hospital) {
  return lang === "bn" && hospital.name_bn ? hospital.name_bn : hospital.name;
}

/** A hospital's contact text in the page's language (its configured `contact_bn` in Bangla). */
export function contact(entry) {
  return lang === "bn" && entry.contact_bn ? entry.contact_bn : entry.contact;
}

export function has(key) {
  return key in STRINGS[lang] || key in STRINGS.en;
}

/** "{n} seat(s) left" with the language's plural rule. */
export function plural(key, n) {
  const rule = new Intl.PluralRules(locale()).select(n);
  return t(`${key}.${rule === "one" ? "one" : "other"}`, {n});
}

export function number(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

// What the pages show for an appointment without a serial or reference (the old app's).
const NONE = "—";

/** A serial in the language's digits ("7" / "৭"), grouping off (serial 1000, not 1,000). */
export function serial(n) {
  if (n === null || n === undefined) return NONE;
  return new Intl.NumberFormat(locale(), {useGrouping: false}).format(n);
}

/** A reference as people read it, in two groups of four: "K7QM-3XD2". Typed text is written
 *  the way the API reads it (any case, any separators, I and L as 1, O as 0). */
export function reference(code) {
  if (!code) return NONE;
  const read = latinDigits(String(code)).toUpperCase().replace(/[\s-]/g, "")
    .replace(/[IL]/g, "1").replace(/O/g, "0");
  return read.length === 8 ? `${read.slice(0, 4)}-${read.slice(4)}` : read;
}

function utcDate(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

/** "Thursday, 26 November 2026" / "বৃহস্পতিবার, ২৬ নভেম্বর, ২০২৬" (style: Intl dateStyle). */
export function date(isoDate, style = "full") {
  return new Intl.DateTimeFormat(locale(), {dateStyle: style, timeZone: "UTC"})
    .format(utcDate(isoDate));
}

export function dateParts(isoDate, options) {
  return new Intl.DateTimeFormat(locale(), {...options, timeZone: "UTC"}).format(utcDate(isoDate));
}

/** A day written with digits in the language's order: "05/12/2026" / "০৫/১২/২০২৬" (never the
 *  US order a browser's own date field may use). */
export function numericDate(isoDate) {
  return dateParts(isoDate, {day: "2-digit", month: "2-digit", year: "numeric"});
}

/** `text` with Bangla digits written as 0-9 (what a Bangla keyboard types, as the API reads). */
export function latinDigits(text) {
  return text.replace(/[০-৯]/g, (d) => String("০১২৩৪৫৬৭৮৯".indexOf(d)));
}

/** The day (YYYY-MM-DD) a person wrote as day/month/year, in Latin or Bangla digits, or as
 *  YYYY-MM-DD; null when it is not a day of the calendar. */
export function readDate(text) {
  const digits = latinDigits(text.trim());
  const iso = digits.match(/^(\d{4})-(\d{1,2})-(\d{1,2})$/);
  const written = digits.match(/^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/);
  const [y, m, d] = iso ? iso.slice(1).map(Number)
    : written ? [written[3], written[2], written[1]].map(Number) : [];
  if (!y) return null;
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCMonth() === m - 1 && day.getUTCDate() === d
    ? day.toISOString().slice(0, 10) : null;
}

/** A slot's wall-clock time "14:30" in the language: "14:30" / "দুপুর ২:৩০". Bangla names the
 *  part of the day in words, before the time (Intl alone writes "২:৩০ PM"). */
export function time(hhmm) {
  const [h, m] = hhmm.split(":").map(Number);
  const at = new Date(Date.UTC(2000, 0, 1, h, m));
  if (lang !== "bn") {
    return new Intl.DateTimeFormat(locale(), {hour: "numeric", minute: "2-digit", timeZone: "UTC"})
      .format(at);
  }
  const parts = new Intl.DateTimeFormat(locale(), {hour: "numeric", minute: "2-digit",
                                                   dayPeriod: "short", timeZone: "UTC"})
    .formatToParts(at);
  const period = parts.find((p) => p.type === "dayPeriod")?.value ?? "";
  const clock = parts.filter((p) => p.type !== "dayPeriod").map((p) => p.value).join("").trim();
  return `${period} ${clock}`.trim();
}

/** The current time of day on this device, for "checked at". */
export function clock(now = new Date()) {
  return new Intl.DateTimeFormat(locale(), {timeStyle: "medium"}).format(now);
}

/** Weekday names ("Friday") in the language, from the API's English names. */
export function weekday(englishName) {
  const index = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    .indexOf(englishName);
  // 2024-01-01 was a Monday.
  return dateParts(`2024-01-0${index + 1}`, {weekday: "long"});
}

/** Fill every data-i18n* element under `root` with the current language. */
export function apply(root = document) {
  document.documentElement.lang = lang;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
}

const NAMES = {en: "English", bn: "বাংলা"};

/** Put the language buttons in the page's .lang group; `onChange` re-renders what apply()
 * cannot. */
export function setupSwitch(onChange) {
  const buttons = Object.entries(NAMES).map(([code, name]) => {
    const button = document.createElement("button");
    Object.assign(button, {type: "button", lang: code, textContent: name});
    button.dataset.lang = code;
    return button;
  });
  document.querySelector(".lang").replaceChildren(...buttons);
  const show = () => {
    for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
    apply();
  };
  for (const button of buttons) {
    button.addEventListener("click", () => {
      lang = button.dataset.lang;
      localStorage.setItem(STORAGE_KEY, lang);
      show();
      onChange();
    });
  }
  show();
}
