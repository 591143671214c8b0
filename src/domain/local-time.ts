// Wall-clock time in an IANA time zone, and agents' weekly working hours in it. Pure: the instant is
// passed in; Node's Intl (full ICU) knows the zones and their daylight-saving rules. Working hours
// are local wall-clock times, so 09:00 stays 09:00 on both sides of a change: an instant's local
// time is read from the zone each time, never from a stored offset.
import { badInput } from './errors.js';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One span of working hours as given: local "HH:MM" to "HH:MM" (or "24:00") on a weekday. */
export interface WorkingHoursEntry { day: Weekday; start: string; end: string }

/**
 * Working hours compiled for routing: per weekday (0 = Monday), [start, end) spans in minutes after
 * local midnight, flattened as [start0, end0, start1, end1, ...]. null: always available.
 */
export type WeeklyHours = readonly (readonly number[])[];

export interface LocalTime {
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Minutes after local midnight (0..1439). */
  minutes: number;
  year: number;
  month: number;
  day: number;
  /** Milliseconds after local midnight, from the wall clock. */
  msOfDay: number;
}

// Constructing a DateTimeFormat costs ~50 µs; formatting with one ~1 µs. One per zone, for good.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', weekday: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

const WEEKDAY_OF: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

/** Whether Intl knows this IANA zone name ("America/Chicago"; "UTC"). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 64) return false;
  try {
    formatterFor(name);
    return true;
  } catch {
    return false;
  }
}

/** The zone's canonical spelling ("america/chicago" → "America/Chicago"), or BAD_USER_INPUT naming `field`. */
export function requireTimeZone(field: string, name: string): string {
  const trimmed = name.trim();
  if (!isTimeZone(trimmed)) throw badInput(field, `"${name}" is not an IANA time zone (like "America/Chicago" or "UTC")`);
  return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
}

/** The wall-clock time at instant `ms` in `zone`. */
export function localTime(zone: string, ms: number): LocalTime {
  let weekday = 0;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const p of formatterFor(zone).formatToParts(ms)) {
    switch (p.type) {
      case 'weekday': weekday = WEEKDAY_OF[p.value] ?? 0; break;
      case 'year': year = Number(p.value); break;
      case 'month': month = Number(p.value); break;
      case 'day': day = Number(p.value); break;
      case 'hour': hour = Number(p.value); break;
      case 'minute': minute = Number(p.value); break;
      case 'second': second = Number(p.value); break;
      default: break;
    }
  }
  const msOfDay = ((hour * 60 + minute) * 60 + second) * 1000 + (((ms % 1000) + 1000) % 1000);
  return { weekday, minutes: hour * 60 + minute, year, month, day, msOfDay };
}

/** The zone's offset from UTC at instant `ms`, in ms (local wall clock minus UTC). */
function offsetAt(zone: string, ms: number): number {
  const t = localTime(zone, ms);
  return Date.UTC(t.year, t.month - 1, t.day) + t.msOfDay - ms;
}

/**
 * The instant the local day containing `ms` began in `zone` (its local midnight). Computed from the
 * offset in force at midnight, not now, so a day with a daylight-saving change (23 or 25 hours) starts
 * at its real midnight.
 */
export function startOfLocalDay(zone: string, ms: number): number {
  const t = localTime(zone, ms);
  const wallMidnight = Date.UTC(t.year, t.month - 1, t.day);
  const guess = wallMidnight - offsetAt(zone, ms);
  // The offset at the guessed midnight is the one in force then (differs on a change day).
  return wallMidnight - offsetAt(zone, guess);
}

const HHMM = /^(\d{2}):(\d{2})$/;

function minutesOf(field: string, value: string, allow2400: boolean): number {
  const m = HHMM.exec(value.trim());
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  if (allow2400 && h === 24 && min === 0) return 1440;
  if (!(h >= 0 && h <= 23 && min >= 0 && min <= 59)) {
    throw badInput(field, `"${value}" is not a local time "HH:MM" (00:00 to 23:59${allow2400 ? ', or 24:00' : ''})`);
  }
  return h * 60 + min;
}

/** At most this many spans: a week of split shifts with room to spare. */
export const MAX_WORKING_HOURS = 50;

/** Checked and normalised ("9:00" refused; start before end, end may be "24:00"), in day and start order. */
export function validateWorkingHours(entries: readonly WorkingHoursEntry[]): WorkingHoursEntry[] {
  if (entries.length > MAX_WORKING_HOURS) throw badInput('workingHours', `at most ${MAX_WORKING_HOURS} spans`);
  const out = entries.map((e, i) => {
    if (!WEEKDAYS.includes(e.day)) throw badInput(`workingHours[${i}].day`, `"${e.day}" is not a weekday`);
    const start = minutesOf(`workingHours[${i}].start`, e.start, false);
    const end = minutesOf(`workingHours[${i}].end`, e.end, true);
    if (end <= start) {
      throw badInput(`workingHours[${i}]`, `ends (${e.end}) before it starts (${e.start}); a night shift is two spans, one per day`);
    }
    return { day: e.day, start: e.start.trim(), end: e.end.trim(), key: WEEKDAYS.indexOf(e.day) * 2000 + start };
  });
  out.sort((a, b) => a.key - b.key);
  return out.map(({ day, start, end }) => ({ day, start, end }));
}

/** The routing form of stored working hours; null (always available) for none. */
export function compileWorkingHours(entries: readonly WorkingHoursEntry[]): WeeklyHours | null {
  if (entries.length === 0) return null;
  const days: number[][] = WEEKDAYS.map(() => []);
  for (const e of entries) {
    const d = WEEKDAYS.indexOf(e.day);
    const start = minutesOf('start', e.start, false);
    const end = minutesOf('end', e.end, true);
    days[d]?.push(start, end);
  }
  return days;
}

/** Whether local time `t` falls inside the hours (null hours: always). Spans are [start, end). */
export function withinHours(hours: WeeklyHours | null, t: Pick<LocalTime, 'weekday' | 'minutes'>): boolean {
  if (hours === null) return true;
  const spans = hours[t.weekday];
  if (!spans) return false;
  for (let i = 0; i + 1 < spans.length; i += 2) {
    if (t.minutes >= (spans[i] as number) && t.minutes < (spans[i + 1] as number)) return true;
  }
  return false;
}
