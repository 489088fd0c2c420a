/** Dates are exchanged as `YYYY-MM-DD` and interpreted as local calendar days. */

export function toIsoDate(d: Date): string {
  const y = d.getFullYear();
  const m = String(d.getMonth() + 1).padStart(2, '0');
  const day = String(d.getDate()).padStart(2, '0');
  return `${y}-${m}-${day}`;
}

export function parseIsoDate(s: string | null | undefined): Date | null {
  if (!s) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (d.getFullYear() !== Number(m[1]) || d.getMonth() !== Number(m[2]) - 1 || d.getDate() !== Number(m[3])) {
    return null;
  }
  return d;
}

export function addDays(d: Date, days: number): Date {
  const r = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  r.setDate(r.getDate() + days);
  return r;
}

/** How far back a first sick day may lie (SPEC §2.6: today, or up to 14 days back). */
export const SICK_DAY_MAX_DAYS_BACK = 14;
/** How far ahead a recovery date may lie (SPEC §2.7). */
export const RECOVERY_MAX_DAYS_AHEAD = 14;

export function sickDayWindow(today: Date = new Date()): { min: string; max: string } {
  return { min: toIsoDate(addDays(today, -SICK_DAY_MAX_DAYS_BACK)), max: toIsoDate(today) };
}

export type DateProblem = 'required' | 'invalid' | 'future' | 'too_early' | 'before_first_sick_day' | 'too_far_ahead';

/** Validates the first sick day: today or up to 14 days back, never in the future. */
export function validateFirstSickDay(value: string, today: Date = new Date()): DateProblem | null {
  if (!value) return 'required';
  if (!parseIsoDate(value)) return 'invalid';
  const { min, max } = sickDayWindow(today);
  if (value > max) return 'future';
  if (value < min) return 'too_early';
  return null;
}

export type HoursProblem = 'invalid' | 'range' | 'step';

/** Hours worked on the first sick day: empty (not given) or 0–24 in steps of 0.25. */
export function validateHoursWorked(value: string): HoursProblem | null {
  if (value.trim() === '') return null;
  const normalised = value.trim().replace(',', '.');
  if (!/^\d+(\.\d+)?$/.test(normalised)) return 'invalid';
  const n = Number(normalised);
  if (!Number.isFinite(n)) return 'invalid';
  if (n < 0 || n > 24) return 'range';
  if (Math.abs(n * 4 - Math.round(n * 4)) > 1e-9) return 'step';
  return null;
}

export function parseHours(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  return Number(value.trim().replace(',', '.'));
}

export function recoveryWindow(firstSickDay: string, today: Date = new Date()): { min: string; max: string } {
  return { min: firstSickDay, max: toIsoDate(addDays(today, RECOVERY_MAX_DAYS_AHEAD)) };
}

/** A recovery (or partial-recovery start) date: not before the first sick day, ≤ 14 days ahead. */
export function validateRecoveryDate(value: string, firstSickDay: string, today: Date = new Date()): DateProblem | null {
  if (!value) return 'required';
  if (!parseIsoDate(value)) return 'invalid';
  const { min, max } = recoveryWindow(firstSickDay, today);
  if (value < min) return 'before_first_sick_day';
  if (value > max) return 'too_far_ahead';
  return null;
}

export type PercentageProblem = 'required' | 'invalid' | 'range';

export function validatePercentage(value: string): PercentageProblem | null {
  if (value.trim() === '') return 'required';
  if (!/^\d+$/.test(value.trim())) return 'invalid';
  const n = Number(value.trim());
  if (n < 1 || n > 99) return 'range';
  return null;
}

function locale(lang: string): string {
  return lang.startsWith('en') ? 'en-GB' : 'nl-NL';
}

export function formatDate(iso: string | null | undefined, lang: string): string {
  const d = parseIsoDate(iso ?? null);
  if (!d) return iso ?? '';
  return new Intl.DateTimeFormat(locale(lang), { day: 'numeric', month: 'long', year: 'numeric' }).format(d);
}

/** The Netherlands' time zone, in which the backend counts calendar days too. */
export const DUTCH_TIME_ZONE = 'Europe/Amsterdam';

/** A moment as date and time; in the browser's time zone unless `timeZone` is given. */
export function formatDateTime(d: Date | string, lang: string, timeZone?: string): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) return String(d);
  return new Intl.DateTimeFormat(locale(lang), { dateStyle: 'long', timeStyle: 'short', timeZone }).format(date);
}

export function formatTime(d: Date, lang: string): string {
  return new Intl.DateTimeFormat(locale(lang), { hour: '2-digit', minute: '2-digit' }).format(d);
}
