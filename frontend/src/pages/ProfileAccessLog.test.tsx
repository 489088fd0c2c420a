import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import i18n from '../i18n';
import { setAccessToken } from '../api/client';
import { json, problem, renderRoutes, stubFetch, type Handler } from '../test/api';
import { HelpPage } from './Help';
import { ProfilePage } from './Profile';
import { KNOWN_ACTIONS } from './ProfileAccessLog';

const me = {
  id: 'emp-a',
  email: 'jan.jansen@example.nl',
  date_of_birth: '1985-04-12',
  first_name: 'Jan',
  last_name: 'Jansen',
  language: 'nl',
  account_status: 'active',
  notify_new_documents: true,
  employer_name: 'Bakkerij De Korenschoof B.V.',
  dossier_contacts: { hr_contact: null, case_manager: null },
  employments: [{ employee_id: 'emp-a', employer_id: 'er-a', employer_name: 'Bakkerij De Korenschoof B.V.' }],
  security: { totp_enabled: true, recovery_codes_left: 9, mfa_required: true, passkeys: 0, passkeys_available: false },
};

const ACCESS_LOG = 'GET /api/v1/me/access-log';
const read = {
  at: '2026-12-02T09:14:00Z',
  party: { role: 'employer', name: 'HR-systeem' },
  action: 'absence.read',
  resource_type: 'absence',
  resource_id: '5b0c7d2e-1f3a-4b6c-9d8e-7f6a5b4c3d2e',
};
const download = {
  at: '2026-12-01T15:02:00Z',
  party: { role: 'arbodienst', name: 'Arbodienst Noord' },
  action: 'document.downloaded',
  resource_type: 'document',
  resource_id: '7c1f3e2a-5b4d-4c6e-8f9a-0b1c2d3e4f50',
};
const older = {
  at: '2026-07-01T07:30:00Z',
  party: { role: 'employer', name: 'Salarissysteem' },
  action: 'absence.archived', // not known to this version of the portal
  resource_type: 'absence',
  resource_id: '5b0c7d2e-1f3a-4b6c-9d8e-7f6a5b4c3d2e',
};

function render(accessLog: Handler | Handler[], language = 'nl') {
  const api = stubFetch({ 'GET /api/v1/me': () => json(200, { ...me, language }), [ACCESS_LOG]: accessLog });
  renderRoutes(<Route path="/profile" element={<ProfilePage />} />, '/profile');
  return api;
}

/** The section "Who looked at your data", once its heading is there. */
async function section(name = 'Wie heeft je gegevens bekeken') {
  const heading = await screen.findByRole('heading', { name, level: 2 });
  return within(heading.closest('section') as HTMLElement);
}

describe('profile: who looked at your data', () => {
  beforeEach(async () => {
    await i18n.changeLanguage('nl');
    setAccessToken('full-token');
  });
  afterEach(async () => {
    vi.unstubAllGlobals();
    setAccessToken(null);
    await i18n.changeLanguage('nl');
  });

  it('lists who did what and when, newest first, and loads the next page with the cursor', async () => {
    const api = render([
      () => json(200, { items: [read, download], next_cursor: 'page-2' }),
      () => json(200, { items: [older], next_cursor: null }),
    ]);
    const part = await section();
    const list = await part.findByRole('list', { name: 'Wie heeft je gegevens bekeken' });
    expect(list.tagName).toBe('OL');
    const entries = within(list).getAllByRole('listitem');
    expect(entries.map((e) => e.textContent)).toEqual([
      '2 december 2026 om 10:14 HR-systeem (werkgever) bekeek je ziekmelding',
      '1 december 2026 om 16:02 Arbodienst Noord (arbodienst) downloadde een document uit je dossier',
    ]);
    // The moment in Dutch time, machine-readable as the server sent it.
    const time = entries[0].querySelector('time');
    expect(time?.getAttribute('dateTime')).toBe('2026-12-02T09:14:00Z');
    expect(time?.textContent).toBe('2 december 2026 om 10:14');

    const first = api.callsTo('GET', '/api/v1/me/access-log');
    expect(first).toHaveLength(1);
    expect(first[0].query.get('limit')).toBe('50');
    expect(first[0].query.has('cursor')).toBe(false);
    expect(first[0].authorization).toBe('Bearer full-token');

    const user = userEvent.setup();
    await user.click(part.getByRole('button', { name: 'Meer laden' }));
    expect(await within(list).findByText('deed iets met je gegevens (absence.archived)')).toBeTruthy();
    const calls = api.callsTo('GET', '/api/v1/me/access-log');
    expect(calls).toHaveLength(2);
    expect(calls[1].query.get('cursor')).toBe('page-2');
    expect(calls[1].query.get('limit')).toBe('50');
    // Summer time: UTC+2.
    expect(within(list).getAllByRole('listitem').map((e) => e.querySelector('time')?.textContent)).toEqual([
      '2 december 2026 om 10:14',
      '1 december 2026 om 16:02',
      '1 juli 2026 om 09:30',
    ]);
    expect(within(list).getByText('Salarissysteem (werkgever)')).toBeTruthy();
    // The last page: nothing more to load.
    await waitFor(() => expect(part.queryByRole('button', { name: 'Meer laden' })).toBeNull());
  });

  it('says so when nobody has looked yet', async () => {
    render(() => json(200, { items: [], next_cursor: null }));
    const part = await section();
    expect(await part.findByText('Nog niemand heeft je gegevens bekeken.')).toBeTruthy();
    expect(part.queryByRole('list')).toBeNull();
    expect(part.queryByRole('button', { name: 'Meer laden' })).toBeNull();
  });

  it('speaks English when the profile does', async () => {
    render(() => json(200, { items: [read, download], next_cursor: null }), 'en');
    const part = await section('Who looked at your data');
    const list = await part.findByRole('list', { name: 'Who looked at your data' });
    expect(within(list).getAllByRole('listitem').map((e) => e.textContent)).toEqual([
      '2 December 2026 at 10:14 HR-systeem (employer) viewed your sick report',
      '1 December 2026 at 16:02 Arbodienst Noord (occupational health service) downloaded a document from your dossier',
    ]);
    expect(part.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('shows the empty state in English too', async () => {
    render(() => json(200, { items: [], next_cursor: null }), 'en');
    const part = await section('Who looked at your data');
    expect(await part.findByText('Nobody has looked at your data yet.')).toBeTruthy();
  });

  it('shows a loading state, then an error when the list cannot be loaded', async () => {
    let fail: (r: Response) => void = () => {};
    render(() => new Promise<Response>((resolve) => (fail = resolve)));
    const part = await section();
    expect(part.getByRole('status').textContent).toBe('Bezig met laden…');
    fail(problem(500, '/problems/internal'));
    await waitFor(() => expect(part.getByRole('alert').textContent).toBe('Er ging iets mis. Probeer het later opnieuw.'));
    expect(part.queryByRole('list')).toBeNull();
  });

  it('keeps what was loaded when the next page fails', async () => {
    render([
      () => json(200, { items: [read], next_cursor: 'page-2' }),
      () => problem(500, '/problems/internal'),
    ]);
    const part = await section();
    const user = userEvent.setup();
    await user.click(await part.findByRole('button', { name: 'Meer laden' }));
    await waitFor(() => expect(part.getByRole('alert').textContent).toBe('Er ging iets mis. Probeer het later opnieuw.'));
    expect(part.getByText('bekeek je ziekmelding')).toBeTruthy();
  });

  it('has a sentence for every known action, in both languages', () => {
    for (const lng of ['nl', 'en']) {
      const t = i18n.getFixedT(lng);
      const sentences = KNOWN_ACTIONS.map((a) => t(`accessLog.actions.${a}`));
      expect(sentences.filter((s, i) => !s || s.startsWith('accessLog.') || sentences.indexOf(s) !== i)).toEqual([]);
    }
  });
});

describe('help: who looked at your data', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('explains the list on the profile page', async () => {
    await i18n.changeLanguage('nl');
    stubFetch({ 'GET /api/v1/status': () => json(200, { message: null }) });
    renderRoutes(<Route path="/help" element={<HelpPage />} />, '/help');
    const question = await screen.findByText('Kan ik zien wie mijn gegevens heeft bekeken?');
    const text = question.closest('details')?.textContent ?? '';
    expect(text).toContain('‘Wie heeft je gegevens bekeken’');
    expect(text).toContain('het systeem van je werkgever of de arbodienst je ziekmeldingen of documenten heeft bekeken of gewijzigd');
  });
});
