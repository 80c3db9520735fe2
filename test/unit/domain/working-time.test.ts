import { readFileSync } from 'fs';
import { join } from 'path';
import {
  addDuration,
  addWorkingTime,
  CalendarConfigError,
  coverage,
  holidayName,
  isWorkingDay,
  nextWorkingMoment,
  parseCalendar,
  workingMsBetween,
  type WorkCalendar,
} from '../../../domain/working-time';

const SHIPPED = join(__dirname, '../../../config/calendar.yaml');
const cal: WorkCalendar = parseCalendar(readFileSync(SHIPPED, 'utf8'), 'config/calendar.yaml');

const MIN = 60_000;
const HOUR = 3_600_000;
/** An instant written in Shanghai local time: `2026-04-03 17:30`. */
const sh = (local: string): Date => new Date(`${local.replace(' ', 'T')}:00+08:00`);
/** The Shanghai local time of an instant, `2026-04-07 10:30` (seconds and ms when not zero). */
function local(d: Date): string {
  const iso = new Date(d.getTime() + 8 * HOUR).toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(16, 23) === ':00.000' ? text : `${text}${iso.slice(16, 23)}`;
}
const add = (start: string, ms: number): string => local(addWorkingTime(cal, sh(start), ms));

describe('the shipped config/calendar.yaml', () => {
  it('covers 2026 (official) and 2027 (provisional)', () => {
    expect(coverage(cal)).toEqual({ fromYear: 2026, toYear: 2027, provisionalYears: [2027] });
  });

  it('has the default office hours 09:00–12:00 and 13:30–18:00 in Asia/Shanghai', () => {
    expect(cal.timezone).toBe('Asia/Shanghai');
    expect(cal.officeHours).toEqual({ open: '09:00', close: '18:00', lunchBreak: { from: '12:00', to: '13:30' } });
  });

  it('has 2026 exactly as the 国务院办公厅 notice of 2025-11-04', () => {
    const y2026 = cal.years.find((y) => y.year === 2026);
    expect(y2026?.provisional).toBe(false);
    expect(y2026?.holidays.map((h) => `${h.name} ${h.from}..${h.to}`)).toEqual([
      '元旦 2026-01-01..2026-01-03',
      '春节 2026-02-15..2026-02-23',
      '清明节 2026-04-04..2026-04-06',
      '劳动节 2026-05-01..2026-05-05',
      '端午节 2026-06-19..2026-06-21',
      '中秋节 2026-09-25..2026-09-27',
      '国庆节 2026-10-01..2026-10-07',
    ]);
    expect(y2026?.makeUpWorkdays.map((m) => m.date)).toEqual([
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
  });

  it('names all seven holidays in 2027 too', () => {
    const names = cal.years.find((y) => y.year === 2027)?.holidays.map((h) => h.name);
    expect(names).toEqual(['元旦', '春节', '清明节', '劳动节', '端午节', '中秋节', '国庆节']);
  });
});

describe('isWorkingDay', () => {
  it.each([
    ['2026-03-17', true, 'an ordinary Tuesday'],
    ['2026-03-14', false, 'an ordinary Saturday'],
    ['2026-03-15', false, 'an ordinary Sunday'],
    ['2026-02-14', true, 'the 调休 Saturday before 春节'],
    ['2026-02-28', true, 'the 调休 Saturday after 春节'],
    ['2026-01-04', true, 'the 调休 Sunday after 元旦'],
    ['2026-09-20', true, 'the 调休 Sunday before 国庆'],
    ['2026-10-10', true, 'the 调休 Saturday after 国庆'],
    ['2026-02-17', false, '春节 (a Tuesday)'],
    ['2026-02-21', false, 'a Saturday inside 春节'],
    ['2026-10-05', false, '国庆 (a Monday)'],
    ['2026-04-06', false, '清明 (a Monday)'],
  ])('%s is %s (%s)', (date, working) => {
    expect(isWorkingDay(cal, date)).toBe(working);
  });

  it('takes an instant by its Shanghai date, not its UTC date', () => {
    // 2026-02-13 17:00 UTC is already Saturday 2026-02-14 01:00 in Shanghai (a 调休 day).
    expect(isWorkingDay(cal, new Date('2026-02-13T17:00:00Z'))).toBe(true);
    // 2026-03-13 20:00 UTC is Saturday 04:00 in Shanghai.
    expect(isWorkingDay(cal, new Date('2026-03-13T20:00:00Z'))).toBe(false);
  });

  it('names the holiday of a date', () => {
    expect(holidayName(cal, '2026-10-03')).toBe('国庆节');
    expect(holidayName(cal, '2026-10-10')).toBeNull();
  });

  it('treats dates outside the calendar years as ordinary weeks', () => {
    expect(isWorkingDay(cal, '2025-10-01')).toBe(true); // a holiday in reality, but 2025 is not in the file
    expect(isWorkingDay(cal, '2028-01-03')).toBe(true); // Monday
    expect(isWorkingDay(cal, '2028-01-08')).toBe(false); // Saturday
    expect(add('2028-01-07 17:00', 2 * HOUR)).toBe('2028-01-10 10:00');
  });

  it('refuses a date that is not one', () => {
    expect(() => isWorkingDay(cal, '2026-02-30')).toThrow(RangeError);
  });
});

describe('addWorkingTime', () => {
  describe('the issue: a 2 h deadline set at 17:30 before a holiday lands on the right morning', () => {
    it('Friday before 清明 (04-04..06) → Tuesday 10:30', () => {
      expect(add('2026-04-03 17:30', 2 * HOUR)).toBe('2026-04-07 10:30');
    });
    it('Friday before 春节 → the 调休 Saturday 02-14, 10:30', () => {
      expect(add('2026-02-13 17:30', 2 * HOUR)).toBe('2026-02-14 10:30');
    });
    it('last working day before 国庆 (Wed 09-30) → Thursday 10-08, 10:30', () => {
      expect(add('2026-09-30 17:30', 2 * HOUR)).toBe('2026-10-08 10:30');
    });
    it('last working day before 劳动节 (Thu 04-30) → Wednesday 05-06, 10:30', () => {
      expect(add('2026-04-30 17:30', 2 * HOUR)).toBe('2026-05-06 10:30');
    });
    it('Friday before the 调休 Sunday 09-20 → that Sunday, 10:30', () => {
      expect(add('2026-09-18 17:30', 2 * HOUR)).toBe('2026-09-20 10:30');
    });
  });

  it('skips an ordinary weekend', () => {
    expect(add('2026-03-13 17:00', 2 * HOUR)).toBe('2026-03-16 10:00');
  });

  it('skips the whole of 春节 2026 (02-15..23)', () => {
    // 1 h left on the 调休 Saturday 02-14, then nothing until Tuesday 02-24.
    expect(add('2026-02-14 17:00', 2 * HOUR)).toBe('2026-02-24 10:00');
  });

  it('counts a 调休 Saturday as a working day', () => {
    expect(add('2026-02-14 09:00', 3 * HOUR)).toBe('2026-02-14 12:00');
    expect(add('2026-02-27 17:00', 2 * HOUR)).toBe('2026-02-28 10:00'); // Fri → 调休 Saturday
    expect(add('2026-03-06 17:00', 2 * HOUR)).toBe('2026-03-09 10:00'); // an ordinary Saturday does not count
  });

  it('starts during lunch at 13:30', () => {
    expect(add('2026-03-17 12:15', HOUR)).toBe('2026-03-17 14:30');
  });

  it('runs over lunch', () => {
    expect(add('2026-03-17 11:30', HOUR)).toBe('2026-03-17 14:00');
  });

  it('starts before opening at 09:00', () => {
    expect(add('2026-03-17 07:00', HOUR)).toBe('2026-03-17 10:00');
  });

  it('starts after closing at the next morning', () => {
    expect(add('2026-03-17 20:00', 30 * MIN)).toBe('2026-03-18 09:30');
  });

  it('starts on a holiday at the first working morning after it', () => {
    expect(add('2026-10-03 10:00', HOUR)).toBe('2026-10-08 10:00');
    expect(add('2026-02-17 15:00', 8 * HOUR)).toBe('2026-02-25 09:30'); // 7.5 h on 02-24, 0.5 h on 02-25
  });

  describe('boundaries (choice: a deadline landing exactly on a closing time stays on that day)', () => {
    it('lands at 18:00 the same day, not at 09:00 the next morning', () => {
      expect(add('2026-03-17 17:00', HOUR)).toBe('2026-03-17 18:00');
      expect(add('2026-03-17 09:00', 7.5 * HOUR)).toBe('2026-03-17 18:00');
    });
    it('lands at 12:00, not at 13:30', () => {
      expect(add('2026-03-17 11:00', HOUR)).toBe('2026-03-17 12:00');
    });
    it('one millisecond more moves on to the next opening', () => {
      expect(add('2026-03-17 17:00', HOUR + 1)).toBe('2026-03-18 09:00:00.001');
      expect(add('2026-03-17 11:00', HOUR + 1)).toBe('2026-03-17 13:30:00.001');
    });
    it('a start exactly at 18:00 is outside office hours; at 09:00 it is inside', () => {
      expect(add('2026-03-17 18:00', MIN)).toBe('2026-03-18 09:01');
      expect(add('2026-03-17 09:00', MIN)).toBe('2026-03-17 09:01');
      expect(add('2026-03-17 12:00', 30 * MIN)).toBe('2026-03-17 14:00');
    });
    it('the last working day before the weekend ends at 18:00 Friday', () => {
      expect(add('2026-03-13 17:30', 30 * MIN)).toBe('2026-03-13 18:00');
    });
  });

  it('adds 0 ms as nothing: the start unchanged, even outside office hours', () => {
    expect(add('2026-03-17 10:00', 0)).toBe('2026-03-17 10:00');
    expect(add('2026-03-17 20:00', 0)).toBe('2026-03-17 20:00');
    expect(add('2026-10-03 10:00', 0)).toBe('2026-10-03 10:00');
  });

  it('counts long durations: 37.5 h is one working week, 40 h runs into the next', () => {
    expect(add('2026-03-16 09:00', 37.5 * HOUR)).toBe('2026-03-20 18:00');
    expect(add('2026-03-16 09:00', 40 * HOUR)).toBe('2026-03-23 11:30');
    // the same 40 h from the Monday before 国庆 (09-28): 22.5 h Mon–Wed, nothing 10-01..07, 7.5 h each on
    // Thu 10-08 and Fri 10-09, the last 2.5 h on the 调休 Saturday 10-10
    expect(add('2026-09-28 09:00', 40 * HOUR)).toBe('2026-10-10 11:30');
  });

  it('walks into the next year and beyond the calendar', () => {
    expect(add('2026-12-31 17:00', 2 * HOUR)).toBe('2027-01-04 10:00'); // 元旦 2027 (provisional) 01-01..03
    expect(add('2027-12-31 17:00', 2 * HOUR)).toBe('2028-01-03 10:00'); // 2028 not in the file: an ordinary weekend
  });

  it('refuses negative or non-finite durations and invalid dates', () => {
    expect(() => addWorkingTime(cal, sh('2026-03-17 10:00'), -1)).toThrow(RangeError);
    expect(() => addWorkingTime(cal, sh('2026-03-17 10:00'), Number.NaN)).toThrow(RangeError);
    expect(() => addWorkingTime(cal, new Date('nope'), HOUR)).toThrow(RangeError);
  });
});

describe('a calendar without a lunch break', () => {
  const noLunch = parseCalendar(
    ['officeHours:', '  open: "08:30"', '  close: "17:30"', 'years:', '  2026:', '    holidays: []'].join('\n'),
    'x.yaml',
  );
  it('works straight through', () => {
    expect(local(addWorkingTime(noLunch, sh('2026-03-17 11:30'), HOUR))).toBe('2026-03-17 12:30');
    expect(local(addWorkingTime(noLunch, sh('2026-03-17 17:00'), HOUR))).toBe('2026-03-18 09:00');
  });
  it('uses the default hours when officeHours is left out', () => {
    const dflt = parseCalendar('years:\n  2026: {}\n', 'x.yaml');
    expect(dflt.officeHours).toEqual({ open: '09:00', close: '18:00', lunchBreak: { from: '12:00', to: '13:30' } });
  });
});

describe('nextWorkingMoment', () => {
  const next = (at: string): string => local(nextWorkingMoment(cal, sh(at)));
  it('is the moment itself inside office hours', () => {
    expect(next('2026-03-17 10:15')).toBe('2026-03-17 10:15');
    expect(next('2026-03-17 09:00')).toBe('2026-03-17 09:00');
  });
  it('is the next opening otherwise', () => {
    expect(next('2026-03-17 12:00')).toBe('2026-03-17 13:30');
    expect(next('2026-03-17 18:00')).toBe('2026-03-18 09:00');
    expect(next('2026-03-14 10:00')).toBe('2026-03-16 09:00');
    expect(next('2026-10-01 10:00')).toBe('2026-10-08 09:00');
    expect(next('2026-02-13 19:00')).toBe('2026-02-14 09:00');
  });
});

describe('workingMsBetween', () => {
  const between = (a: string, b: string): number => workingMsBetween(cal, sh(a), sh(b));

  it('counts office hours only', () => {
    expect(between('2026-03-13 17:00', '2026-03-16 10:00')).toBe(2 * HOUR);
    expect(between('2026-03-17 09:00', '2026-03-17 18:00')).toBe(7.5 * HOUR);
    expect(between('2026-03-17 12:10', '2026-03-17 13:20')).toBe(0);
    expect(between('2026-09-30 17:30', '2026-10-08 10:30')).toBe(2 * HOUR);
    expect(between('2026-03-17 10:00', '2026-03-17 10:00')).toBe(0);
  });

  it('is negative when b is before a', () => {
    expect(between('2026-03-16 10:00', '2026-03-13 17:00')).toBe(-2 * HOUR);
  });

  it('is the inverse of addWorkingTime, across weekends, 调休 days and holidays', () => {
    // A deterministic spread of starts over 2026–2027 and durations from 1 minute to 3 weeks.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const from = sh('2026-01-01 00:00').getTime();
    for (let i = 0; i < 400; i++) {
      const start = new Date(from + rnd(730) * 86_400_000 + rnd(24 * 60) * MIN);
      const ms = (rnd(120 * 60) + 1) * MIN * (i % 10 === 0 ? 10 : 1);
      const end = addWorkingTime(cal, start, ms);
      expect(workingMsBetween(cal, start, end)).toBe(ms);
      expect(end.getTime()).toBeGreaterThan(start.getTime());
    }
  });
});

describe('addDuration', () => {
  const start = sh('2026-04-03 17:30');
  it('adds elapsed time in calendar mode, with or without a calendar', () => {
    expect(local(addDuration(null, start, 2 * HOUR, 'calendar'))).toBe('2026-04-03 19:30');
    expect(local(addDuration(cal, start, 72 * HOUR, 'calendar'))).toBe('2026-04-06 17:30');
  });
  it('adds office hours in working mode', () => {
    expect(local(addDuration(cal, start, 2 * HOUR, 'working'))).toBe('2026-04-07 10:30');
  });
  it('refuses working mode without a calendar', () => {
    expect(() => addDuration(null, start, 2 * HOUR, 'working')).toThrow(/calendar/);
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid files: refused with the line and the field

const BASE = [
  'timezone: Asia/Shanghai', // 1
  'officeHours:', // 2
  '  open: "09:00"', // 3
  '  close: "18:00"', // 4
  '  lunchBreak: { from: "12:00", to: "13:30" }', // 5
  'years:', // 6
  '  2026:', // 7
  '    holidays:', // 8
  '      - { name: 春节, from: 2026-02-15, to: 2026-02-23 }', // 9
  '      - { name: 国庆节, from: 2026-10-01, to: 2026-10-07 }', // 10
  '    makeUpWorkdays:', // 11
  '      - { date: 2026-02-14, for: 春节 }', // 12
  '      - { date: 2026-10-10, for: 国庆节 }', // 13
  '  2027:', // 14
  '    provisional: true', // 15
  '    holidays:', // 16
  '      - { name: 元旦, from: 2027-01-01, to: 2027-01-03 }', // 17
];

function variant(changes: Record<number, string | null>): string {
  return BASE.flatMap((line, i) => {
    const change = changes[i + 1];
    return change === undefined ? [line] : change === null ? [] : [change];
  }).join('\n');
}

function errorOf(text: string): CalendarConfigError {
  try {
    parseCalendar(text, 'config/calendar.yaml');
  } catch (e) {
    if (e instanceof CalendarConfigError) return e;
    throw e;
  }
  throw new Error('expected the calendar to be rejected');
}

describe('parseCalendar refuses invalid files with line numbers', () => {
  it('accepts the base file', () => {
    const base = parseCalendar(variant({}), 'config/calendar.yaml');
    expect(coverage(base)).toEqual({ fromYear: 2026, toYear: 2027, provisionalYears: [2027] });
  });

  it.each<[string, Record<number, string | null>, string]>([
    ['an unclosed quote', { 3: '  open: "09:00' }, ':3 YAML syntax: Missing closing "quote'],
    ['a misaligned field', { 4: '   close: "18:00"' }, ':4 YAML syntax: All mapping items must start at the same column'],
    ['a duplicate key', { 4: '  open: "10:00"' }, ':4 open: duplicate key'],
    ['an invalid date', { 10: '      - { name: 国庆节, from: 2026-02-30, to: 2026-10-07 }' }, ':10 years.2026.holidays[1].from: not a real date'],
    ['a date in another format', { 12: '      - { date: 2026/02/14 }' }, ':12 years.2026.makeUpWorkdays[0].date: expected a date like 2026-10-01'],
    ['a make-up day on a weekday', { 13: '      - { date: 2026-10-12, for: 国庆节 }' }, ':13 years.2026.makeUpWorkdays[1].date: 2026-10-12 is a Monday; make-up working days (调休上班) are Saturdays or Sundays'],
    ['a date both holiday and make-up day', { 13: '      - { date: 2026-10-03 }' }, ':13 years.2026.makeUpWorkdays[1].date: 2026-10-03 is also a holiday (国庆节, years.2026.holidays[1]); a date can\'t be both'],
    ['a make-up day listed twice', { 13: '      - { date: 2026-02-14 }' }, ':13 years.2026.makeUpWorkdays[1].date: 2026-02-14 is listed twice'],
    ['close before open', { 4: '  close: "08:00"' }, ':4 officeHours.close: must be after open (09:00)'],
    ['lunch ending before it starts', { 5: '  lunchBreak: { from: "13:30", to: "12:00" }' }, ':5 officeHours.lunchBreak.to: must be after the lunch break\'s from (13:30)'],
    ['lunch after closing', { 5: '  lunchBreak: { from: "12:00", to: "19:00" }' }, ':5 officeHours.lunchBreak.to: must be before close (18:00)'],
    ['lunch before opening', { 5: '  lunchBreak: { from: "08:00", to: "08:30" }' }, ':5 officeHours.lunchBreak.from: must be after open (09:00)'],
    ['a time that is not one', { 3: '  open: "9h"' }, ':3 officeHours.open: expected a time like 09:00'],
    ['a holiday ending before it starts', { 10: '      - { name: 国庆节, from: 2026-10-07, to: 2026-10-01 }' }, ':10 years.2026.holidays[1].to: 2026-10-01 is before from (2026-10-07)'],
    ['overlapping holidays', { 10: '      - { name: 国庆节, from: 2026-02-20, to: 2026-02-25 }' }, ':10 years.2026.holidays[1].from: 2026-02-20 is already in 春节'],
    ['a holiday under the wrong year', { 17: '      - { name: 元旦, from: 2026-01-01, to: 2026-01-03 }' }, ':17 years.2027.holidays[0].from: 2026-01-01 is not in 2027'],
    ['a holiday of an implausible length', { 10: '      - { name: 国庆节, from: 2026-10-01, to: 2026-11-07 }' }, ':10 years.2026.holidays[1].to: 38 days from 2026-10-01'],
    ['a missing holiday name', { 10: '      - { from: 2026-10-01, to: 2026-10-07 }' }, ':10 years.2026.holidays[1].name: required'],
    ['a misspelled field', { 12: '      - { date: 2026-02-14, fro: 春节 }' }, ':12 years.2026.makeUpWorkdays[0].fro: unknown field "fro"'],
    ['another time zone', { 1: 'timezone: UTC' }, ':1 timezone: expected one of: Asia/Shanghai'],
    ['a year that is not one', { 14: '  next:' }, ':14 years.next: "next" is not a year'],
    ['a gap between years', { 14: '  2028:', 17: '      - { name: 元旦, from: 2028-01-01 }' }, ':14 years.2028: years must be consecutive: 2027 is missing'],
    ['no years', { 7: null, 8: null, 9: null, 10: null, 11: null, 12: null, 13: null, 14: null, 15: null, 16: null, 17: null }, ':6 years: required'],
  ])('%s', (_label, changes, expected) => {
    const error = errorOf(variant(changes));
    expect(error.message).toContain(`config/calendar.yaml${expected}`);
    expect(error.sourceName).toBe('config/calendar.yaml');
  });

  it('refuses an empty file and an empty years mapping', () => {
    expect(errorOf('').message).toBe('config/calendar.yaml:1 (root): the file is empty');
    expect(errorOf('years: {}\n').message).toContain(':1 years: list at least one year');
  });

  it('reports every problem at once, in line order', () => {
    const error = errorOf(variant({ 4: '  close: "08:00"', 13: '      - { date: 2026-10-12 }' }));
    expect(error.issues.map((i) => i.line)).toEqual([4, 13]);
  });
});
