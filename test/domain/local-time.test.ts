// Working hours in the agent's own time zone across daylight-saving changes, and local midnights
// (daily caps), with the instant passed in as the injected clock would give it. 2026 changes:
// America/Chicago springs forward on 8 March (02:00 CST → 03:00 CDT, 08:00 UTC) and falls back on
// 1 November (02:00 CDT → 01:00 CST, 07:00 UTC); Europe/London on 29 March (01:00 GMT → 02:00 BST,
// 01:00 UTC) and 25 October (02:00 BST → 01:00 GMT, 01:00 UTC).
import { describe, expect, it } from 'vitest';
import {
  compileWorkingHours, isTimeZone, localTime, requireTimeZone, startOfLocalDay, validateWorkingHours, withinHours,
  type Weekday, type WorkingHoursEntry,
} from '../../src/domain/local-time.js';
import { exclusionReason, roundContext, type AgentSnapshot } from '../../src/domain/routing.js';

const utc = (iso: string): number => Date.parse(`${iso}Z`);
const hours = (day: Weekday, start: string, end: string): WorkingHoursEntry[] => [{ day, start, end }];
const working = (zone: string, entries: WorkingHoursEntry[], at: number): boolean =>
  withinHours(compileWorkingHours(entries), localTime(zone, at));

describe('working hours are local wall-clock times on both sides of a daylight-saving change', () => {
  it('America/Chicago, spring forward: 09:00 is 15:00 UTC the Sunday before and 14:00 UTC the Sunday of the change', () => {
    const nineToFive = hours('SUN', '09:00', '17:00');
    expect(working('America/Chicago', nineToFive, utc('2026-03-01T14:59'))).toBe(false);
    expect(working('America/Chicago', nineToFive, utc('2026-03-01T15:00'))).toBe(true);
    expect(working('America/Chicago', nineToFive, utc('2026-03-08T13:59'))).toBe(false);
    expect(working('America/Chicago', nineToFive, utc('2026-03-08T14:00'))).toBe(true);
    expect(working('America/Chicago', nineToFive, utc('2026-03-08T21:59'))).toBe(true);
    expect(working('America/Chicago', nineToFive, utc('2026-03-08T22:00'))).toBe(false);
  });

  it('America/Chicago, spring forward: a span starting at 02:30 (a time that day does not have) begins when the clock jumps to 03:00', () => {
    const fromTwoThirty = hours('SUN', '02:30', '04:00');
    expect(working('America/Chicago', fromTwoThirty, utc('2026-03-08T07:59'))).toBe(false); // 01:59 CST
    expect(working('America/Chicago', fromTwoThirty, utc('2026-03-08T08:00'))).toBe(true); // 03:00 CDT
    // A span wholly inside the missing hour is never in force that day, and is the next week.
    const missingHour = hours('SUN', '02:00', '03:00');
    for (let m = 0; m < 24 * 60; m += 15) {
      expect(working('America/Chicago', missingHour, utc('2026-03-08T06:00') + m * 60_000)).toBe(false);
    }
    expect(working('America/Chicago', missingHour, utc('2026-03-15T07:30'))).toBe(true); // 02:30 CDT
  });

  it('America/Chicago, fall back: 09:00 is 15:00 UTC after the change, and the repeated 01:00 hour counts twice', () => {
    expect(working('America/Chicago', hours('SUN', '09:00', '17:00'), utc('2026-10-25T14:00'))).toBe(true); // 09:00 CDT
    expect(working('America/Chicago', hours('SUN', '09:00', '17:00'), utc('2026-11-01T14:59'))).toBe(false); // 08:59 CST
    expect(working('America/Chicago', hours('SUN', '09:00', '17:00'), utc('2026-11-01T15:00'))).toBe(true); // 09:00 CST
    const oneToTwo = hours('SUN', '01:00', '02:00');
    expect(working('America/Chicago', oneToTwo, utc('2026-11-01T06:30'))).toBe(true); // 01:30 CDT
    expect(working('America/Chicago', oneToTwo, utc('2026-11-01T07:30'))).toBe(true); // 01:30 CST
    expect(working('America/Chicago', oneToTwo, utc('2026-11-01T08:00'))).toBe(false); // 02:00 CST
  });

  it('Europe/London, spring forward: 09:00 is 09:00 UTC before and 08:00 UTC after; 01:30 does not exist', () => {
    const nine = hours('SUN', '09:00', '17:00');
    expect(working('Europe/London', nine, utc('2026-03-22T09:00'))).toBe(true);
    expect(working('Europe/London', nine, utc('2026-03-22T08:59'))).toBe(false);
    expect(working('Europe/London', nine, utc('2026-03-29T07:59'))).toBe(false);
    expect(working('Europe/London', nine, utc('2026-03-29T08:00'))).toBe(true);
    const fromOneThirty = hours('SUN', '01:30', '03:00');
    expect(working('Europe/London', fromOneThirty, utc('2026-03-29T00:59'))).toBe(false); // 00:59 GMT
    expect(working('Europe/London', fromOneThirty, utc('2026-03-29T01:00'))).toBe(true); // 02:00 BST
    expect(working('Europe/London', fromOneThirty, utc('2026-03-29T02:00'))).toBe(false); // 03:00 BST
  });

  it('Europe/London, fall back: 09:00 is 08:00 UTC before and 09:00 UTC after; 01:30 happens twice', () => {
    const nine = hours('SUN', '09:00', '17:00');
    expect(working('Europe/London', nine, utc('2026-10-18T08:00'))).toBe(true);
    expect(working('Europe/London', nine, utc('2026-10-25T08:59'))).toBe(false);
    expect(working('Europe/London', nine, utc('2026-10-25T09:00'))).toBe(true);
    const oneToTwo = hours('SUN', '01:00', '02:00');
    expect(working('Europe/London', oneToTwo, utc('2026-10-25T00:30'))).toBe(true); // 01:30 BST
    expect(working('Europe/London', oneToTwo, utc('2026-10-25T01:30'))).toBe(true); // 01:30 GMT
    expect(working('Europe/London', oneToTwo, utc('2026-10-25T02:00'))).toBe(false); // 02:00 GMT
  });

  it('24:00 ends the day; the weekday is the local one, not UTC\'s', () => {
    const lateFriday = hours('FRI', '18:00', '24:00');
    // Friday 23:59 in Chicago is Saturday 05:59 UTC.
    expect(working('America/Chicago', lateFriday, utc('2026-03-07T05:59'))).toBe(true);
    expect(working('America/Chicago', lateFriday, utc('2026-03-07T06:00'))).toBe(false);
  });

  it('no working hours means always available', () => {
    expect(withinHours(compileWorkingHours([]), localTime('UTC', utc('2026-03-08T03:00')))).toBe(true);
  });
});

describe('local midnight (when a daily cap starts again)', () => {
  it('is the real midnight on days of 23 and 25 hours', () => {
    expect(startOfLocalDay('America/Chicago', utc('2026-03-08T17:00'))).toBe(utc('2026-03-08T06:00')); // 00:00 CST
    expect(startOfLocalDay('America/Chicago', utc('2026-03-09T04:59'))).toBe(utc('2026-03-08T06:00')); // 23:59 CDT
    expect(startOfLocalDay('America/Chicago', utc('2026-03-09T05:00'))).toBe(utc('2026-03-09T05:00')); // 00:00 CDT
    expect(startOfLocalDay('America/Chicago', utc('2026-11-01T18:00'))).toBe(utc('2026-11-01T05:00')); // 00:00 CDT
    expect(startOfLocalDay('America/Chicago', utc('2026-11-02T05:59'))).toBe(utc('2026-11-01T05:00')); // 23:59 CST
    expect(startOfLocalDay('Europe/London', utc('2026-03-29T11:00'))).toBe(utc('2026-03-29T00:00'));
    expect(startOfLocalDay('Europe/London', utc('2026-10-25T12:00'))).toBe(utc('2026-10-24T23:00'));
    expect(startOfLocalDay('UTC', utc('2026-10-25T12:34'))).toBe(utc('2026-10-25T00:00'));
  });
});

describe('time zones and working hours are validated', () => {
  it('knows IANA names and gives their canonical spelling', () => {
    expect(isTimeZone('America/Chicago')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(requireTimeZone('timeZone', 'america/chicago')).toBe('America/Chicago');
    expect(() => requireTimeZone('timeZone', 'CST6CDT7')).toThrow(/IANA/);
  });
  it('refuses malformed times and spans that end before they start; accepts 24:00 as an end only', () => {
    expect(validateWorkingHours([{ day: 'TUE', start: '13:00', end: '24:00' }, { day: 'MON', start: '09:00', end: '12:00' }]))
      .toEqual([{ day: 'MON', start: '09:00', end: '12:00' }, { day: 'TUE', start: '13:00', end: '24:00' }]);
    expect(() => validateWorkingHours([{ day: 'MON', start: '9:00', end: '12:00' }])).toThrow(/HH:MM/);
    expect(() => validateWorkingHours([{ day: 'MON', start: '24:00', end: '24:00' }])).toThrow(/HH:MM/);
    expect(() => validateWorkingHours([{ day: 'MON', start: '22:00', end: '06:00' }])).toThrow(/two spans/);
  });
});

describe('OUTSIDE_HOURS in the routing rules', () => {
  const agent = (over: Partial<AgentSnapshot>): AgentSnapshot => ({
    id: 1, active: true, inOffice: true, officeIds: [], haltedAt: null, haltUntil: null, ...over,
  });
  const src = { officeIds: [], leadGroupMemberIds: null };
  it('an agent outside their hours is skipped with OUTSIDE_HOURS; a halt still comes first', () => {
    const a = agent({ timeZone: 'Europe/London', hours: compileWorkingHours(hours('MON', '09:00', '17:00')) });
    const mondayNineLondonSummer = utc('2026-06-01T08:00');
    expect(exclusionReason(a, src, new Set(), mondayNineLondonSummer, roundContext(mondayNineLondonSummer))).toBeNull();
    const early = mondayNineLondonSummer - 60_000;
    expect(exclusionReason(a, src, new Set(), early, roundContext(early))).toBe('OUTSIDE_HOURS');
    expect(exclusionReason({ ...a, haltedAt: early - 1, haltUntil: null }, src, new Set(), early, roundContext(early))).toBe('HALTED');
  });
});
