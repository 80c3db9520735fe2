/**
 * Business time (domain/business-time.ts): every instant below is explicit, in the business zone. Boundaries: just
 * before and after 09:00, Sunday 23:59 → Monday, a 调休 Saturday, 31 December → 1 January, and one rule proved under
 * another zone (Asia/Tokyo) to show the configured zone governs.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  addLocalDays, businessZone, calendarDaysBetween, describeLocal, formatLocal, isoWeekOf, isoWeekRange, localDate, localParts,
  nextLocalTime, parseLocal, setBusinessZone, startOfIsoWeek, startOfLocalDay,
} from '../../../domain/business-time';
import { isStalled } from '../../../domain/dashboard';
import { nextOccurrence } from '../../../domain/schedule';
import { TEXTS_ZH } from '../../../domain/texts.zh';
import { addWorkingTime, isWorkingDay, parseCalendar } from '../../../domain/working-time';
import { loadConfig } from '../../../app/config';

const sh = (local: string) => new Date(`${local}+08:00`);
const iso = (d: Date) => d.toISOString();

afterEach(() => setBusinessZone('Asia/Shanghai'));

describe('business time in Asia/Shanghai (the default)', () => {
  it('is the default zone', () => {
    expect(businessZone()).toBe('Asia/Shanghai');
  });

  it('the next 09:00: a minute before it is today, at or after it is tomorrow', () => {
    expect(iso(nextLocalTime(sh('2026-12-01T08:59:00'), '09:00'))).toBe(iso(sh('2026-12-01T09:00:00')));
    expect(iso(nextLocalTime(sh('2026-12-01T09:00:00'), '09:00'))).toBe(iso(sh('2026-12-02T09:00:00')));
    expect(iso(nextLocalTime(sh('2026-12-01T09:01:00'), '09:00'))).toBe(iso(sh('2026-12-02T09:00:00')));
    // 02:30 Tuesday local is still Monday in UTC: the next 09:00 is Tuesday's, not Monday's nor Wednesday's.
    expect(iso(nextOccurrence({ time: '09:00' }, sh('2026-12-01T02:30:00')))).toBe(iso(sh('2026-12-01T09:00:00')));
  });

  it('Sunday 23:59 → Monday: a new day, a new ISO week, the Monday 09:00 job the same morning', () => {
    const sunday = sh('2026-11-29T23:59:00');
    const monday = sh('2026-11-30T00:01:00');
    expect(calendarDaysBetween(sunday, monday)).toBe(1);
    expect(isoWeekOf(sunday)).toBe('2026-W48');
    expect(isoWeekOf(monday)).toBe('2026-W49');
    expect(iso(startOfIsoWeek(monday))).toBe(iso(sh('2026-11-30T00:00:00')));
    expect(iso(nextOccurrence({ weekday: 1, time: '09:00' }, sunday))).toBe(iso(sh('2026-11-30T09:00:00')));
    expect(localParts(sunday).weekday).toBe(7);
    expect(localParts(monday).weekday).toBe(1);
  });

  it('31 December → 1 January: the year turns locally while UTC is still in the old year', () => {
    const eve = sh('2026-12-31T23:50:00');
    const newYear = sh('2027-01-01T00:10:00'); // 2026-12-31T16:10Z
    expect(localDate(eve)).toBe('2026-12-31');
    expect(localDate(newYear)).toBe('2027-01-01');
    expect(calendarDaysBetween(eve, newYear)).toBe(1);
    expect(isoWeekOf(newYear)).toBe('2026-W53'); // the Thursday rule: 1 Jan 2027 is a Friday of 2026-W53
    expect(iso(isoWeekRange('2026-W53').end)).toBe(iso(sh('2027-01-04T00:00:00')));
    expect(iso(addLocalDays(eve, 1))).toBe(iso(sh('2027-01-01T23:50:00')));
    expect(TEXTS_ZH.formatTime(newYear)).toBe('1月1日 00:10');
  });

  it('a 调休 Saturday is a working day: working time counts on it', () => {
    const cal = parseCalendar(fs.readFileSync(path.join(__dirname, '../../../config/calendar.yaml'), 'utf8'), 'calendar.yaml');
    expect(isWorkingDay(cal, '2026-02-14')).toBe(true); // Saturday, 调休 for 春节
    expect(isWorkingDay(cal, '2026-02-07')).toBe(false); // an ordinary Saturday
    // Friday 17:00 + 2 h of working time: 1 h on Friday, the other on the 调休 Saturday morning.
    expect(iso(addWorkingTime(cal, sh('2026-02-13T17:00:00'), 2 * 3_600_000))).toBe(iso(sh('2026-02-14T10:00:00')));
  });

  it('parses and formats local wall times', () => {
    expect(iso(parseLocal('2026-12-01 02:30')!)).toBe(iso(sh('2026-12-01T02:30:00')));
    expect(iso(parseLocal('2026-12-01')!)).toBe(iso(sh('2026-12-01T00:00:00')));
    expect(parseLocal('2026-02-30')).toBeNull();
    expect(parseLocal('tomorrow')).toBeNull();
    expect(iso(startOfLocalDay('2026-12-01'))).toBe(iso(sh('2026-12-01T00:00:00')));
    expect(formatLocal(sh('2026-12-01T02:30:00'), 'M月D日 HH:mm')).toBe('12月1日 02:30');
    expect(describeLocal(sh('2026-11-30T09:30:00'))).toBe('2026年11月30日 周一 09:30 (Asia/Shanghai)');
  });
});

describe('the configured zone governs every rule (Asia/Tokyo, UTC+9)', () => {
  it('the daily 09:00, the R5 stall day count and the times in messages follow the zone', () => {
    setBusinessZone('Asia/Tokyo');
    const at = new Date('2026-11-30T23:30:00Z'); // Tokyo: Tue 12-01 08:30; Shanghai: Tue 12-01 07:30
    expect(iso(nextOccurrence({ time: '09:00' }, at))).toBe('2026-12-01T00:00:00.000Z'); // 09:00 Tokyo
    expect(TEXTS_ZH.formatTime(at)).toBe('12月1日 08:30');
    // 14:59Z is 23:59 Tokyo (same day), 15:01Z is 00:01 Tokyo (next day); in Shanghai both are the same day.
    const update = new Date('2026-11-22T14:59:00Z');
    const now = new Date('2026-11-30T15:01:00Z');
    expect(isStalled(update, now)).toBe(true); // 9 calendar days in Tokyo
    setBusinessZone('Asia/Shanghai');
    expect(isStalled(update, now)).toBe(true);
    expect(isStalled(update, new Date('2026-11-29T15:01:00Z'))).toBe(false); // 7 days in Shanghai
    setBusinessZone('Asia/Tokyo');
    expect(isStalled(update, new Date('2026-11-29T15:01:00Z'))).toBe(true); // 8 days in Tokyo
  });

  it('comes from configuration: BUSINESS_TZ, else TZ, else Asia/Shanghai; an unknown zone is refused', () => {
    const base = { SANDBOX: '1', PORT: '0' };
    expect(loadConfig(base).tz).toBe('Asia/Shanghai');
    expect(loadConfig({ ...base, TZ: 'Asia/Tokyo' }).tz).toBe('Asia/Tokyo');
    expect(loadConfig({ ...base, TZ: 'UTC', BUSINESS_TZ: 'Asia/Shanghai' }).tz).toBe('Asia/Shanghai');
    expect(() => loadConfig({ ...base, BUSINESS_TZ: 'Mars/Olympus' })).toThrow(/BUSINESS_TZ must be an IANA time zone/);
    expect(() => setBusinessZone('Mars/Olympus')).toThrow(RangeError);
  });
});
