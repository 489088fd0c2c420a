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
    { key: 'arbodienst_report', week: 1, due_date: '2025-01-12', status: 'past' },
    { key: 'problem_analysis', week: 6, due_date: '2025-02-16', status: 'past' },
    { key: 'plan_of_action', week: 8, due_date: '2025-03-02', status: 'next' },
    { key: 'evaluation', week: 14, due_date: '2025-04-13', status: 'upcoming' },
    {
      key: 'first_year_evaluation',
      week: 46,
      week_end: 52,
      due_date: '2025-11-23',
      due_date_end: '2026-01-04',
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

  it('renders every milestone in order with its state', () => {
    renderTimeline('nl');
    const items = screen.getAllByRole('listitem');
    expect(items).toHaveLength(5);
    expect(items.map((li) => li.getAttribute('data-status'))).toEqual(['past', 'past', 'next', 'upcoming', 'upcoming']);
    expect(within(items[0]).getByText('Voorbij')).toBeTruthy();
    expect(within(items[3]).getByText('Later')).toBeTruthy();
  });

  it('highlights exactly one next milestone with aria-current', () => {
    renderTimeline('nl');
    const current = screen.getAllByRole('listitem').filter((li) => li.getAttribute('aria-current') === 'step');
    expect(current).toHaveLength(1);
    expect(current[0].className).toContain('milestone--next');
    expect(within(current[0]).getByText('Volgende stap')).toBeTruthy();
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
    expect(screen.getByText('Next step')).toBeTruthy();
    expect(screen.getByText('You are now in week 7 of your absence.')).toBeTruthy();
  });
});
