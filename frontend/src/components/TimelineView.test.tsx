import { describe, expect, it, beforeAll } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { I18nextProvider } from 'react-i18next';
import i18n from '../i18n';
import type { Timeline } from '../api/types';
import { TimelineView } from './TimelineView';

const timeline: Timeline = {
  absence_id: '00000000-0000-4000-8000-000000000001',
  counting_from: '2025-01-06',
  current_week: 7,
  milestones: [
    { key: 'arbodienst_report', kind: 'arbodienst_report', week: 1, due_date: '2025-01-12', due_on: '2025-01-12', status: 'done', done_on: '2025-01-08' },
    { key: 'problem_analysis', kind: 'problem_analysis', week: 6, due_date: '2025-02-16', due_on: '2025-02-16', status: 'late' },
    { key: 'plan_of_action', kind: 'plan_of_action', week: 8, due_date: '2025-03-02', due_on: '2025-03-02', status: 'due' },
    { key: 'evaluation_1', kind: 'evaluation', week: 14, due_date: '2025-04-13', due_on: '2025-04-13', status: 'upcoming' },
    {
      key: 'first_year_evaluation',
      kind: 'first_year_evaluation',
      week: 46,
      week_end: 52,
      due_date: '2025-11-23',
      due_date_end: '2026-01-04',
      due_on: '2026-01-04',
      status: 'upcoming',
    },
  ],
};

function renderTimeline(lng: string) {
  void i18n.changeLanguage(lng);
  return render(
    <I18nextProvider i18n={i18n}>
      <TimelineView timeline={timeline} />
    </I18nextProvider>,
  );
}

describe('TimelineView', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });

  it('shows at a glance which steps are done, late and due', () => {
    renderTimeline('nl');
    const items = screen.getAllByRole('listitem');
    expect(items).toHaveLength(5);
    expect(items.map((li) => li.getAttribute('data-status'))).toEqual(['done', 'late', 'due', 'upcoming', 'upcoming']);
    expect(within(items[0]).getByText('Gedaan')).toBeTruthy();
    expect(within(items[0]).getByText('gedaan op 8 januari 2025')).toBeTruthy();
    expect(within(items[1]).getByText('Te laat')).toBeTruthy();
    expect(within(items[3]).getByText('Evaluatie van het plan van aanpak 1')).toBeTruthy();
    expect(screen.getByText('1 stap is te laat.')).toBeTruthy();
  });

  it('highlights exactly one due step with aria-current', () => {
    renderTimeline('nl');
    const current = screen.getAllByRole('listitem').filter((li) => li.getAttribute('aria-current') === 'step');
    expect(current).toHaveLength(1);
    expect(current[0].className).toContain('milestone--due');
    expect(within(current[0]).getByText('Nu aan de beurt')).toBeTruthy();
    expect(within(current[0]).getByText('Plan van aanpak met je werkgever')).toBeTruthy();
    expect(within(current[0]).getByText('Week 8')).toBeTruthy();
    expect(within(current[0]).getByText('uiterlijk 2 maart 2025')).toBeTruthy();
  });

  it('shows week ranges and the counting start, in English too', () => {
    renderTimeline('en');
    expect(screen.getByRole('heading', { level: 2 }).textContent).toContain('Gatekeeper');
    expect(screen.getByText('Weeks 46–52')).toBeTruthy();
    expect(screen.getByText('23 November 2025 – 4 January 2026')).toBeTruthy();
    expect(screen.getByText(/6 January 2025/)).toBeTruthy();
    expect(screen.getByText('Due now')).toBeTruthy();
    expect(screen.getByText('Late')).toBeTruthy();
    expect(screen.getByText('You are now in week 7 of your absence.')).toBeTruthy();
  });
});
