// Choosing a day and a time: a calendar and a slot grid, both radio groups (one Tab stop
// each, arrow keys move, disabled days and full slots are skipped), kept live by a DayWatcher.
// On a phone the page shows the next open days in a short row instead, the calendar one tap
// away (parts `soon`, `allDays`, `calendarBox`; the stylesheet decides which is shown).

import * as i18n from "./i18n.js";
import {DayWatcher} from "./live.js";

// How many open days the short row holds.
const SOON_DAYS = 7;
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Today's date (YYYY-MM-DD) in `timeZone`. */
export function todayIn(timeZone, now = new Date()) {
  return new Intl.DateTimeFormat("en-CA", {timeZone, year: "numeric", month: "2-digit",
                                           day: "2-digit"}).format(now);
}

/** The wall-clock time ("HH:MM") now in `timeZone`. */
function nowIn(timeZone) {
  return new Intl.DateTimeFormat("en-GB", {timeZone, hour: "2-digit", minute: "2-digit",
                                           hourCycle: "h23"}).format(new Date());
}

export function addDays(isoDate, n) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function weekdayOf(isoDate) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-") || key.startsWith("aria-")) node.setAttribute(key, value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export {el};

/** What a patient reads for one slot: seats left, or why it cannot be booked. */
export function slotText(slot) {
  if (slot.is_available) return i18n.plural("slot.seats", slot.available_slots);
  return i18n.t(`slot.${slot.status}`);
}

export class SlotPicker {
  /**
   * parts: {calendar, slots, note, live, announcer}: elements to render into.
   * onTime(time | null): the chosen time changed (null: none, or it just filled up).
   * preselect(): whether to choose the first open day by itself (the phone layout does, so
   * that times show on the first screen).
   */
  constructor(parts, {onTime = () => {}, name = "pick", preselect = () => false} = {}) {
    Object.assign(this, parts);
    this.onTime = onTime;
    this.name = name;
    this.preselect = preselect;
    this.allDays?.addEventListener("click", () => this.toggleCalendar());
    this.hospital = null;
    this.date = null;
    this.time = null;
    this.day = null;
    this.closedDays = new Set();
    this.watcher = new DayWatcher((day) => this.showDay(day), (s, r) => this.showLive(s, r));
  }

  setHospital(hospital) {
    this.hospital = hospital;
    const first = todayIn(hospital.schedule.timezone);
    this.days = Array.from({length: hospital.schedule.horizon_days + 1},
                           (_, i) => addDays(first, i));
    if (!this.days.includes(this.date) || !this.isOpen(this.date)) this.date = null;
    this.closedDays.clear();
    if (!this.date && this.preselect()) this.date = this.days.find((d) => this.isOpen(d)) ?? null;
    this.renderCalendar();
    if (this.date) this.watch();
    else this.clearDay();
  }

  isOpen(isoDate) {
    const {closed_weekdays: closed, closes, timezone, closed_dates: holidays = []} =
      this.hospital.schedule;
    if (isoDate === this.days[0] && nowIn(timezone) >= closes) return false;   // today is over
    if (holidays.some((h) => h.date === isoDate)) return false;               // a holiday
    return !closed.includes(WEEKDAYS[weekdayOf(isoDate)]) && !this.closedDays.has(isoDate);
  }

  renderCalendar() {
    const head = WEEKDAYS.map((name) => el("span", {class: "weekday", "aria-hidden": "true"},
                                          i18n.weekday(name).slice(0, 3)));
    const pad = Array.from({length: weekdayOf(this.days[0])},
                           () => el("span", {class: "pad", "aria-hidden": "true"}));
    const cells = this.days.map((day, i) => this.dayCell(day, i === 0));
    this.calendar.replaceChildren(...head, ...pad, ...cells);
    this.renderSoon();
  }

  /** The short row: the next open days, each as weekday and date ("Thu" / "3 Dec"). */
  renderSoon() {
    if (!this.soon) return;
    const days = this.days.filter((d) => this.isOpen(d)).slice(0, SOON_DAYS);
    this.soon.replaceChildren(...days.map((isoDate) => {
      const input = el("input", {type: "radio", name: `${this.name}-soon`, value: isoDate,
                                 checked: isoDate === this.date});
      input.addEventListener("change", () => this.chooseDate(isoDate));
      return el("label", {class: "quick-day", "data-date": isoDate}, input,
                el("span", {class: "quick-weekday", "aria-hidden": "true"},
                   i18n.dateParts(isoDate, {weekday: "short"})),
                el("span", {class: "quick-date", "aria-hidden": "true"},
                   i18n.dateParts(isoDate, {day: "numeric", month: "short"})),
                el("span", {class: "visually-hidden"}, i18n.date(isoDate)));
    }));
  }

  /** Show or fold the full calendar (on a phone; on a wide screen it is always shown). */
  toggleCalendar() {
    const open = this.calendarBox.classList.toggle("open");
    this.allDays.setAttribute("aria-expanded", String(open));
    this.allDays.dataset.i18n = open ? "date.fewer" : "date.all";
    this.allDays.textContent = i18n.t(this.allDays.dataset.i18n);
    if (open) {
      (this.calendar.querySelector("input:checked")
       || this.calendar.querySelector("input:not(:disabled)"))?.focus();
    }
  }

  /** The chosen day checked wherever it is shown (the row and the calendar). */
  showChosenDay() {
    for (const group of [this.calendar, this.soon]) {
      for (const input of group?.querySelectorAll("input") ?? []) {
        input.checked = input.value === this.date;
      }
    }
  }

  dayCell(isoDate, first) {
    const open = this.isOpen(isoDate);
    const input = el("input", {type: "radio", name: `${this.name}-date`, value: isoDate,
                               disabled: !open, checked: isoDate === this.date});
    input.addEventListener("change", () => this.chooseDate(isoDate));
    const dayNumber = i18n.dateParts(isoDate, {day: "numeric"});
    const showMonth = first || isoDate.endsWith("-01");
    const label = i18n.date(isoDate) + (open ? "" : ` (${i18n.t("date.closed")})`);
    return el("label", {class: open ? "day" : "day closed", "data-date": isoDate,
                        title: label},
              input,
              el("span", {class: "day-num", "aria-hidden": "true"}, dayNumber),
              showMonth ? el("span", {class: "day-month", "aria-hidden": "true"},
                             i18n.dateParts(isoDate, {month: "short"})) : null,
              el("span", {class: "visually-hidden"}, label));
  }

  chooseDate(isoDate) {
    this.date = isoDate;
    this.showChosenDay();
    this.lastChosen = null;
    this.setTime(null);
    this.day = null;
    this.slots.replaceChildren();
    this.watch();
  }

  watch() {
    this.watcher.watch(this.hospital.id, this.date);
  }

  /** Ask the server now (after a 409 or a change of ours), not at the next tick. */
  refresh() {
    return this.date ? this.watcher.refresh() : Promise.resolve();
  }

  clearDay() {
    this.watcher.stop();
    this.day = null;
    this.setTime(null);
    this.slots.replaceChildren();
    this.note.textContent = i18n.t("time.pick_date");
    this.live.textContent = "";
  }

  showDay(day) {
    if (day.date !== this.date) return;
    const previous = this.day;
    this.day = day;
    if (!day.is_open) this.markClosed(day.date);
    this.renderSlots();
    this.announceChanges(previous, day);
  }

  markClosed(isoDate) {
    this.closedDays.add(isoDate);
    const input = this.calendar.querySelector(`input[value="${isoDate}"]`);
    if (input) input.disabled = true;
    const quick = this.soon?.querySelector(`input[value="${isoDate}"]`);
    if (quick) quick.disabled = true;
    quick?.parentElement.classList.add("closed");
  }

  renderSlots() {
    const day = this.day;
    if (!day) return;
    const open = day.slots.filter((s) => s.is_available).length;
    this.note.textContent = !day.is_open ? i18n.t("time.closed_day")
      : open === 0 ? i18n.t("time.none") : "";
    if (this.time && !day.slots.some((s) => s.time === this.time && s.is_available)) {
      this.setTime(null);
    }
    this.slots.replaceChildren(...day.slots.map((slot) => this.slotCell(slot)));
  }

  slotCell(slot) {
    const input = el("input", {type: "radio", name: `${this.name}-time`, value: slot.time,
                               disabled: !slot.is_available, checked: slot.time === this.time});
    input.addEventListener("change", () => this.setTime(slot.time));
    const low = slot.is_available && slot.available_slots <= 3;
    return el("label", {class: `slot ${slot.status}${low ? " low" : ""}`,
                        "data-time": slot.time, "data-seats": String(slot.available_slots),
                        "data-status": slot.status},
              input,
              el("span", {class: "slot-time"}, i18n.time(slot.time)),
              el("span", {class: "slot-seats"}, slotText(slot)));
  }

  setTime(time) {
    if (time === this.time) return;
    this.time = time;
    if (time) this.lastChosen = time;
    this.onTime(time);
  }

  /** Tell screen readers what changed for the chosen time, not every count on the grid. */
  announceChanges(previous, day) {
    if (!previous || previous.date !== day.date) return;
    const was = previous.slots.find((s) => s.time === this.lastChosen);
    const now = day.slots.find((s) => s.time === this.lastChosen);
    if (!was || !now || was.available_slots === now.available_slots) return;
    const time = i18n.time(now.time);
    this.announcer.textContent = now.is_available
      ? i18n.t("live.seats_now", {time, seats: slotText(now)})
      : i18n.t("live.full_now", {time});
  }

  showLive(state) {
    this.live.textContent = state === "live" ? i18n.t("live.ok", {time: i18n.clock()})
      : state === "retrying" ? i18n.t("live.retrying") : "";
    this.live.classList.toggle("warning", state === "retrying");
  }

  /** Re-render in the current language. */
  rerender() {
    if (!this.hospital) return;
    this.renderCalendar();
    if (this.day) this.renderSlots();
    else if (!this.date) this.note.textContent = i18n.t("time.pick_date");
  }
}
