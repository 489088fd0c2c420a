import { describe, expect, it } from 'vitest';
import {
  DUTCH_TIME_ZONE,
  formatDate,
  formatDateTime,
  parseIsoDate,
  sickDayWindow,
  toIsoDate,
  validateFirstSickDay,
  validateHoursWorked,
  validatePercentage,
  validateRecoveryDate,
} from './dates';

// A fixed "today": 10 March 2025 (local time).
const today = new Date(2025, 2, 10);

describe('sick-day window', () => {
  it('runs from 14 days back to today', () => {
    expect(sickDayWindow(today)).toEqual({ min: '2025-02-24', max: '2025-03-10' });
  });

  it('accepts today and up to 14 days back', () => {
    expect(validateFirstSickDay('2025-03-10', today)).toBeNull();
    expect(validateFirstSickDay('2025-02-24', today)).toBeNull();
    expect(validateFirstSickDay('2025-03-01', today)).toBeNull();
  });

  it('rejects the future and more than 14 days back', () => {
    expect(validateFirstSickDay('2025-03-11', today)).toBe('future');
    expect(validateFirstSickDay('2025-02-23', today)).toBe('too_early');
  });

  it('rejects empty and impossible dates', () => {
    expect(validateFirstSickDay('', today)).toBe('required');
    expect(validateFirstSickDay('2025-02-30', today)).toBe('invalid');
    expect(validateFirstSickDay('10-03-2025', today)).toBe('invalid');
  });

  it('crosses month and year boundaries in local time', () => {
    expect(sickDayWindow(new Date(2025, 0, 5))).toEqual({ min: '2024-12-22', max: '2025-01-05' });
    expect(toIsoDate(new Date(2024, 1, 29))).toBe('2024-02-29');
    expect(parseIsoDate('2024-02-29')?.getDate()).toBe(29);
  });
});

describe('hours worked on the first sick day', () => {
  it('is optional', () => {
    expect(validateHoursWorked('')).toBeNull();
  });
  it('accepts 0–24 in quarter hours, with a dot or a comma', () => {
    for (const v of ['0', '0.25', '2,5', '7.75', '24']) expect(validateHoursWorked(v)).toBeNull();
  });
  it('rejects other values', () => {
    expect(validateHoursWorked('24.25')).toBe('range');
    expect(validateHoursWorked('1.1')).toBe('step');
    expect(validateHoursWorked('-1')).toBe('invalid');
    expect(validateHoursWorked('abc')).toBe('invalid');
  });
});

describe('recovery date and partial recovery', () => {
  it('is not before the first sick day and at most 14 days ahead', () => {
    expect(validateRecoveryDate('2025-03-01', '2025-03-01', today)).toBeNull();
    expect(validateRecoveryDate('2025-02-28', '2025-03-01', today)).toBe('before_first_sick_day');
    expect(validateRecoveryDate('2025-03-24', '2025-03-01', today)).toBeNull();
    expect(validateRecoveryDate('2025-03-25', '2025-03-01', today)).toBe('too_far_ahead');
  });
  it('percentage is a whole number from 1 to 99', () => {
    expect(validatePercentage('1')).toBeNull();
    expect(validatePercentage('99')).toBeNull();
    expect(validatePercentage('0')).toBe('range');
    expect(validatePercentage('100')).toBe('range');
    expect(validatePercentage('50.5')).toBe('invalid');
    expect(validatePercentage('')).toBe('required');
  });
});

describe('date formatting', () => {
  it('uses the language of the interface', () => {
    expect(formatDate('2025-03-10', 'nl')).toBe('10 maart 2025');
    expect(formatDate('2025-03-10', 'en')).toBe('10 March 2025');
  });
  it('shows a moment in Dutch time when asked, summer and winter', () => {
    expect(formatDateTime('2026-12-02T09:14:00Z', 'nl', DUTCH_TIME_ZONE)).toBe('2 december 2026 om 10:14');
    expect(formatDateTime('2026-12-02T23:30:00Z', 'en', DUTCH_TIME_ZONE)).toBe('3 December 2026 at 00:30');
    expect(formatDateTime('2026-07-01T09:14:00Z', 'nl', DUTCH_TIME_ZONE)).toBe('1 juli 2026 om 11:14');
  });
});
