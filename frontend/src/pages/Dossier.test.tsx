import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import i18n from '../i18n';
import { setAccessToken } from '../api/client';
import { json, problem, renderRoutes, stubFetch, type Handler } from '../test/api';
import { DossierPage } from './Dossier';
import { HelpPage } from './Help';

const security = { totp_enabled: true, recovery_codes_left: 9, mfa_required: true, passkeys: 0, passkeys_available: false };
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
  security,
};

const PLAN_ID = '7c1f3e2a-5b4d-4c6e-8f9a-0b1c2d3e4f50';
const plan = {
  id: PLAN_ID,
  title: 'Plan van aanpak',
  category: 'plan_of_action',
  document_date: '2026-11-20',
  content_type: 'application/pdf',
  size: 183204,
  sha256: 'ab'.repeat(32),
  file_name: 'plan-van-aanpak.pdf',
  published_by: { role: 'employer' },
  created_at: '2026-11-20T09:00:00Z',
  response_requested: true,
  response: null,
};
const advice = {
  ...plan,
  id: '1d2e3f4a-5b6c-4d7e-8f90-a1b2c3d4e5f6',
  title: 'Advies bedrijfsarts',
  category: 'medical_advice',
  sha256: 'cd'.repeat(32),
  published_by: { role: 'arbodienst' },
  response_requested: false,
};
const answer = (agreement: 'agree' | 'disagree', own_view: string | null = null) => ({
  id: '0f9e8d7c-6b5a-4493-8271-605f4e3d2c1b',
  document_id: PLAN_ID,
  agreement,
  own_view,
  document_sha256: plan.sha256,
  created_at: '2026-12-01T13:05:00Z',
});
const RESPONSE = `POST /api/v1/me/documents/${PLAN_ID}/response`;

function render(routes: Record<string, Handler | Handler[]>, documents: unknown[] = [plan, advice], language = 'nl') {
  const api = stubFetch({
    // The profile's language wins over the browser's.
    'GET /api/v1/me': () => json(200, { ...me, language }),
    'GET /api/v1/me/documents': () => json(200, { items: documents, next_cursor: null }),
    ...routes,
  });
  renderRoutes(<Route path="/dossier" element={<DossierPage />} />, '/dossier');
  return api;
}

/** The card of one document. */
async function card(title: string) {
  const heading = await screen.findByRole('heading', { name: title, level: 2 });
  return within(heading.closest('li') as HTMLElement);
}

function errorOf(field: HTMLElement): string | null {
  const id = field.getAttribute('aria-describedby')?.split(' ').find((i) => i.endsWith('-error'));
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

describe('dossier: the answer to a plan of action', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => {
    setAccessToken('full-token');
  });
  afterEach(async () => {
    vi.unstubAllGlobals();
    setAccessToken(null);
    await i18n.changeLanguage('nl');
  });

  it('asks a document that wants an answer, in words for its category; others ask nothing', async () => {
    render({});
    const planCard = await card('Plan van aanpak');
    const question = planCard.getByRole('group', { name: 'Ga je akkoord met dit plan van aanpak?' });
    const radios = within(question).getAllByRole('radio');
    expect(radios.map((r) => r.closest('.radio')?.textContent)).toEqual(['Akkoord', 'Niet akkoord']);
    expect(radios.every((r) => !(r as HTMLInputElement).checked)).toBe(true);
    const view = planCard.getByLabelText(/^Je eigen visie/);
    expect(view.tagName).toBe('TEXTAREA');
    expect(planCard.getByText('(niet verplicht)')).toBeTruthy();
    expect(planCard.getByText('Nog 4.000 tekens over')).toBeTruthy();
    expect(view.getAttribute('aria-describedby')).toContain(`answer-${PLAN_ID}-count`);
    expect(planCard.getByRole('button', { name: 'Antwoord versturen' })).toBeTruthy();

    const adviceCard = await card('Advies bedrijfsarts');
    expect(adviceCard.queryByRole('radio')).toBeNull();
    expect(adviceCard.queryByRole('button', { name: 'Antwoord versturen' })).toBeNull();
  });

  it('words the question for evaluations and re-integration reports, in English too', async () => {
    await i18n.changeLanguage('en');
    render({}, [
      { ...plan, id: 'e1', title: 'Evaluation 1', category: 'evaluation' },
      { ...plan, id: 'e2', title: 'Report', category: 'reintegration_report' },
      { ...plan, id: 'e3', title: 'Year one', category: 'first_year_evaluation' },
    ], 'en');
    expect(await screen.findByRole('group', { name: 'Do you agree with this evaluation?' })).toBeTruthy();
    expect(screen.getByRole('group', { name: 'Do you agree with this re-integration report?' })).toBeTruthy();
    expect(screen.getByRole('group', { name: 'Do you agree with this first-year evaluation?' })).toBeTruthy();
    expect(screen.getAllByRole('radio', { name: 'Do not agree' })).toHaveLength(3);
    expect(screen.getAllByText('4,000 characters left')).toHaveLength(3);
  });

  it('counts the characters of the own view, and refuses more than 4,000 before sending', async () => {
    const api = render({ [RESPONSE]: () => json(201, answer('disagree')) });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    const view = planCard.getByLabelText(/^Je eigen visie/) as HTMLTextAreaElement;
    await user.type(view, 'Te veel 👍');
    // One emoji is one character, as the server counts.
    expect(planCard.getByText('Nog 3.991 tekens over')).toBeTruthy();
    await user.clear(view);
    await user.click(view);
    await user.paste('x'.repeat(4001));
    expect(view.value).toHaveLength(4001); // nothing cut off unseen
    expect(planCard.getByText('1 teken te veel')).toBeTruthy();
    await user.click(planCard.getByRole('radio', { name: 'Niet akkoord' }));
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    expect(errorOf(view)).toBe('Je eigen visie is te lang. Gebruik hoogstens 4.000 tekens.');
    expect(document.activeElement).toBe(view);
    expect(api.callsTo('POST', `/api/v1/me/documents/${PLAN_ID}/response`)).toHaveLength(0);
    // Exactly the limit is fine (surrounding spaces are not counted, as the server trims).
    await user.clear(view);
    await user.click(view);
    await user.paste(`  ${'x'.repeat(4000)}  `);
    expect(planCard.getByText('4 tekens te veel')).toBeTruthy();
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    await waitFor(() => expect(api.callsTo('POST', `/api/v1/me/documents/${PLAN_ID}/response`)).toHaveLength(1));
    expect(api.calls.find((c) => c.method === 'POST')?.body).toEqual({ agreement: 'disagree', own_view: 'x'.repeat(4000) });
  });

  it('wants a choice before sending', async () => {
    const api = render({});
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    const group = planCard.getByRole('group', { name: 'Ga je akkoord met dit plan van aanpak?' });
    expect(within(group).getByText('Kies of je akkoord gaat of niet.')).toBeTruthy();
    expect(group.getAttribute('aria-describedby')).toContain(`answer-${PLAN_ID}-agreement-error`);
    expect(document.activeElement).toBe(planCard.getByRole('radio', { name: 'Akkoord' }));
    expect(api.callsTo('POST', `/api/v1/me/documents/${PLAN_ID}/response`)).toHaveLength(0);
    await user.click(planCard.getByRole('radio', { name: 'Akkoord' }));
    expect(within(group).queryByText('Kies of je akkoord gaat of niet.')).toBeNull();
  });

  it('sends "niet akkoord" with the own view, then shows the answer read-only', async () => {
    const ownView = 'Ik kan nog geen 4 uur per dag werken.\nEerst 2 uur, dan opbouwen.';
    const api = render({ [RESPONSE]: () => json(201, answer('disagree', ownView)) });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('radio', { name: 'Niet akkoord' }));
    await user.type(planCard.getByLabelText(/^Je eigen visie/), `  ${ownView} `);
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    const given = await planCard.findByText(/^Je antwoord: niet akkoord, gegeven op 1 december 2026 om \d\d:05\.$/);
    await waitFor(() => expect(document.activeElement).toBe(given));
    expect(api.callsTo('POST', `/api/v1/me/documents/${PLAN_ID}/response`)[0].body).toEqual({
      agreement: 'disagree',
      own_view: ownView,
    });
    expect(planCard.getByRole('status').textContent).toBe(
      'Je antwoord is verstuurd. Je werkgever en de arbodienst krijgen er bericht van.',
    );
    expect(planCard.getByText('Je eigen visie:')).toBeTruthy();
    expect(planCard.getByText((_, el) => el?.className === 'answer__view' && el.textContent === ownView)).toBeTruthy();
    expect(planCard.getByText(/^Je kunt je antwoord niet meer wijzigen\. Komt er een herziene versie/)).toBeTruthy();
    // No way to change it.
    expect(planCard.queryByRole('radio')).toBeNull();
    expect(planCard.queryByRole('textbox')).toBeNull();
    expect(planCard.queryByRole('button', { name: 'Antwoord versturen' })).toBeNull();
  });

  it('sends no own view when none is typed', async () => {
    const api = render({ [RESPONSE]: () => json(201, answer('agree')) });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('radio', { name: 'Akkoord' }));
    await user.type(planCard.getByLabelText(/^Je eigen visie/), '   ');
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    await planCard.findByText(/^Je antwoord: akkoord, gegeven op/);
    expect(api.callsTo('POST', `/api/v1/me/documents/${PLAN_ID}/response`)[0].body).toEqual({ agreement: 'agree' });
    expect(planCard.queryByText('Je eigen visie:')).toBeNull();
  });

  it('asks "confirm it is you" when the last confirmation is too old, then sends again', async () => {
    const api = render({
      [RESPONSE]: [
        () => problem(403, '/problems/step-up-required'),
        () => json(201, answer('disagree', 'Te snel.')),
      ],
      'POST /api/v1/me/step-up': [
        () => problem(400, '/problems/validation', { errors: [{ field: 'password', message: 'wrong' }] }),
        () => new Response(null, { status: 204 }),
      ],
    });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('radio', { name: 'Niet akkoord' }));
    await user.type(planCard.getByLabelText(/^Je eigen visie/), 'Te snel.');
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    const heading = await planCard.findByRole('heading', { name: 'Bevestig dat jij het bent', level: 3 });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(
      planCard.getByText('Je antwoord op ‘Plan van aanpak’ wordt bewaard en kan daarna niet meer worden gewijzigd. Bevestig daarom eerst dat jij het bent.'),
    ).toBeTruthy();
    // The answer form waits meanwhile.
    expect(planCard.queryByRole('button', { name: 'Antwoord versturen' })).toBeNull();
    const password = planCard.getByLabelText('Wachtwoord', { selector: 'input' });
    await user.type(password, 'verkeerd');
    await user.click(planCard.getByRole('button', { name: 'Bevestigen' }));
    await waitFor(() => expect(errorOf(planCard.getByLabelText('Wachtwoord', { selector: 'input' }))).toBe('Je wachtwoord klopt niet.'));
    await user.type(planCard.getByLabelText('Wachtwoord', { selector: 'input' }), 'paarse fiets op de dijk');
    await user.click(planCard.getByRole('button', { name: 'Bevestigen' }));
    await planCard.findByText(/^Je antwoord: niet akkoord, gegeven op/);
    expect(api.callsTo('POST', '/api/v1/me/step-up')[1].body).toEqual({ password: 'paarse fiets op de dijk' });
    const sent = api.callsTo('POST', `/api/v1/me/documents/${PLAN_ID}/response`);
    expect(sent).toHaveLength(2);
    expect(sent[1].body).toEqual({ agreement: 'disagree', own_view: 'Te snel.' });
    expect(planCard.queryByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeNull();
  });

  it('keeps the answer when "confirm it is you" is cancelled', async () => {
    const api = render({ [RESPONSE]: () => problem(403, '/problems/step-up-required') });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('radio', { name: 'Akkoord' }));
    await user.type(planCard.getByLabelText(/^Je eigen visie/), 'Prima.');
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    await planCard.findByRole('heading', { name: 'Bevestig dat jij het bent' });
    await user.click(planCard.getByRole('button', { name: 'Annuleren' }));
    const send = planCard.getByRole('button', { name: 'Antwoord versturen' });
    await waitFor(() => expect(document.activeElement).toBe(send));
    expect((planCard.getByRole('radio', { name: 'Akkoord' }) as HTMLInputElement).checked).toBe(true);
    expect((planCard.getByLabelText(/^Je eigen visie/) as HTMLTextAreaElement).value).toBe('Prima.');
    expect(api.callsTo('POST', '/api/v1/me/step-up')).toHaveLength(0);
  });

  it('shows an answered document read-only: no form, the answer and when', async () => {
    render({}, [{ ...plan, response: answer('agree') }]);
    const planCard = await card('Plan van aanpak');
    expect(await planCard.findByText(/^Je antwoord: akkoord, gegeven op 1 december 2026 om/)).toBeTruthy();
    expect(planCard.queryByRole('radio')).toBeNull();
    expect(planCard.queryByRole('textbox')).toBeNull();
    expect(planCard.queryByText('Je eigen visie:')).toBeNull();
    expect(planCard.getByText(/herziene versie van dit document, dan vragen we je opnieuw/)).toBeTruthy();
    // The download is still there.
    expect(planCard.getByRole('button', { name: 'Plan van aanpak downloaden' })).toBeTruthy();
  });

  it('an answer given meanwhile (409): the dossier is loaded again and shows it', async () => {
    const api = render({
      'GET /api/v1/me/documents': [
        () => json(200, { items: [plan], next_cursor: null }),
        () => json(200, { items: [{ ...plan, response: answer('agree') }], next_cursor: null }),
      ],
      [RESPONSE]: () => problem(409, '/problems/conflict'),
    });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('radio', { name: 'Niet akkoord' }));
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    await planCard.findByText(/^Je antwoord: akkoord, gegeven op/);
    expect(planCard.getByRole('status').textContent).toBe(
      'Je had dit document al beantwoord. Een antwoord kun je niet meer wijzigen.',
    );
    expect(api.callsTo('GET', '/api/v1/me/documents')).toHaveLength(2);
  });

  it('a document that is gone (404): said on the page, and the dossier is loaded again', async () => {
    const api = render({
      'GET /api/v1/me/documents': [
        () => json(200, { items: [plan, advice], next_cursor: null }),
        () => json(200, { items: [advice], next_cursor: null }),
      ],
      [RESPONSE]: () => problem(404, '/problems/not-found'),
    });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('radio', { name: 'Akkoord' }));
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    await screen.findByText('Dit document staat niet meer in je dossier.');
    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Plan van aanpak' })).toBeNull());
    expect(api.callsTo('GET', '/api/v1/me/documents')).toHaveLength(2);
  });

  it('other failures are said in words, and the answer can be sent again', async () => {
    const api = render({
      [RESPONSE]: [() => problem(500, '/problems/internal'), () => json(201, answer('agree'))],
    });
    const user = userEvent.setup();
    const planCard = await card('Plan van aanpak');
    await user.click(planCard.getByRole('radio', { name: 'Akkoord' }));
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    expect((await planCard.findByRole('alert')).textContent).toBe('Er ging iets mis. Probeer het later opnieuw.');
    await user.click(planCard.getByRole('button', { name: 'Antwoord versturen' }));
    await planCard.findByText(/^Je antwoord: akkoord/);
    expect(api.callsTo('POST', `/api/v1/me/documents/${PLAN_ID}/response`)).toHaveLength(2);
  });
});

describe('help: answering a plan of action', () => {
  it('has an entry about it', async () => {
    await i18n.changeLanguage('nl');
    stubFetch({ 'GET /api/v1/status': () => json(200, { message: null }) });
    renderRoutes(<Route path="/help" element={<HelpPage />} />, '/help');
    const question = await screen.findByText('Hoe reageer ik op mijn plan van aanpak?');
    const answerText = question.closest('details')?.textContent ?? '';
    expect(answerText).toContain('‘Akkoord’ of ‘Niet akkoord’');
    expect(answerText).toContain('herziene versie');
    vi.unstubAllGlobals();
  });
});
