import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import { startRegistration } from '@simplewebauthn/browser';
import i18n from '../i18n';
import { getAccessToken, isEnrolmentRequired, setAccessToken } from '../api/client';
import { RequireAuth } from '../auth/RequireAuth';
import { json, problem, renderRoutes, stubFetch } from '../test/api';
import { SecuritySetupPage } from './SecuritySetup';

vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: vi.fn(), startRegistration: vi.fn() }));

const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const enrolment = {
  secret,
  otpauth_uri: `otpauth://totp/Verzuim:jan.jansen%40example.nl?secret=${secret}&issuer=Verzuim&algorithm=SHA1&digits=6&period=30`,
};
const codes = Array.from({ length: 10 }, (_, i) => `c0d${i}-abcd-efgh`);

function routes() {
  return (
    <Route element={<RequireAuth />}>
      <Route path="/" element={<p>home page</p>} />
      <Route path="/profile" element={<p>profile page</p>} />
      <Route path="/security/setup" element={<SecuritySetupPage />} />
    </Route>
  );
}

function stub() {
  return stubFetch({
    'POST /api/v1/me/mfa/totp': () => json(201, enrolment),
    'POST /api/v1/me/mfa/totp/confirm': [
      () => problem(400, '/problems/validation', { errors: [{ field: 'code', message: 'wrong code' }] }),
      () => json(200, { recovery_codes: codes }),
    ],
    'POST /api/v1/auth/refresh': () =>
      json(200, { access_token: 'full-token', token_type: 'Bearer', expires_in: 900, mfa_enrolment_required: false }),
  });
}

describe('enrolment page (/security/setup)', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => setAccessToken('limited-token', true));
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
  });

  it('shows the QR code and the key, confirms a code, shows the recovery codes once, then refreshes', async () => {
    const api = stub();
    const user = userEvent.setup();
    renderRoutes(routes(), '/security/setup');

    // Why, in plain words (the employer requires it).
    await screen.findByText(/^Je werkgever vraagt dat je voortaan in twee stappen inlogt/);
    const qr = await screen.findByRole('img', { name: 'QR-code om Verzuim toe te voegen aan je authenticator-app' });
    expect(qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(decodeURIComponent(qr.getAttribute('src') ?? '')).toContain('<svg');
    expect(screen.getByText('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP')).toBeTruthy();
    // One enrolment per visit, also under StrictMode's double effects.
    expect(api.callsTo('POST', '/api/v1/me/mfa/totp')).toHaveLength(1);
    expect(api.callsTo('POST', '/api/v1/me/mfa/totp')[0].authorization).toBe('Bearer limited-token');

    // A wrong code first: the field says so.
    const field = screen.getByLabelText('Code van 6 cijfers');
    expect(field.getAttribute('autocomplete')).toBe('one-time-code');
    await user.type(field, '000000');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText(/^Deze code klopt niet\. Vul de code in die de app nu bij Verzuim toont/);
    expect(field.getAttribute('aria-invalid')).toBe('true');

    await user.type(field, '123456');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    const heading = await screen.findByRole('heading', { name: 'Bewaar je herstelcodes' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(api.callsTo('POST', '/api/v1/me/mfa/totp/confirm')[1].body).toEqual({ code: '123456' });
    const list = screen.getByRole('list', { name: 'Herstelcodes' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(codes);
    // Still the limited token: the refresh comes with "continue".
    expect(api.callsTo('POST', '/api/v1/auth/refresh')).toHaveLength(0);
    expect(isEnrolmentRequired()).toBe(true);

    // Continue wants the box ticked.
    await user.click(screen.getByRole('button', { name: 'Verder' }));
    const box = screen.getByLabelText('Ik heb deze codes bewaard');
    await screen.findByText('Zet een vinkje als je de codes hebt bewaard.');
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect(api.callsTo('POST', '/api/v1/auth/refresh')).toHaveLength(0);

    await user.click(box);
    await user.click(screen.getByRole('button', { name: 'Verder' }));
    await screen.findByText('home page');
    expect(api.callsTo('POST', '/api/v1/auth/refresh')).toHaveLength(1);
    expect(getAccessToken()).toBe('full-token');
    expect(isEnrolmentRequired()).toBe(false);
    expect(screen.getByTestId('location').textContent).toBe('/');
  });

  it('has no "required" wording when reached from the profile, and goes back there', async () => {
    setAccessToken('full-token', false);
    stub();
    const user = userEvent.setup();
    renderRoutes(routes(), '/security/setup');
    await screen.findByText(/^Met inloggen in twee stappen is je account beter beschermd/);
    expect(screen.queryByText(/^Je werkgever vraagt/)).toBeNull();
    await user.type(screen.getByLabelText('Code van 6 cijfers'), '111111');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await user.type(screen.getByLabelText('Code van 6 cijfers'), '222222');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await user.click(await screen.findByLabelText('Ik heb deze codes bewaard'));
    await user.click(screen.getByRole('button', { name: 'Verder' }));
    await screen.findByText('profile page');
    expect(screen.getByTestId('location').textContent).toBe('/profile?security=enabled');
  });

  it('says so when an authenticator app is already set up (409)', async () => {
    setAccessToken('full-token', false);
    stubFetch({ 'POST /api/v1/me/mfa/totp': () => problem(409, '/problems/conflict') });
    renderRoutes(routes(), '/security/setup');
    await screen.findByText(/^Je hebt al een authenticator-app ingesteld/);
    expect(screen.getByRole('link', { name: 'Naar je profiel' }).getAttribute('href')).toBe('/profile');
  });
});

describe('enrolment page: passkey or authenticator app', () => {
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
    dossier_contacts: { hr: null, case_manager: null },
    employments: [{ employee_id: 'emp-a', employer_id: 'er-a', employer_name: 'Bakkerij De Korenschoof B.V.' }],
    security: { totp_enabled: false, recovery_codes_left: 0, mfa_required: true, passkeys: 0, passkeys_available: true },
  };
  const creation = {
    ceremony_id: '6e2b1d4c-0a9f-4c8e-b7d6-5f4e3d2c1b0a',
    public_key: { challenge: 'Y2hhbGxlbmdl', rp: { id: 'localhost', name: 'Verzuim' }, user: { id: 'dXNlcg', name: 'jan', displayName: 'Jan' } },
  };
  const attestation = { id: 'new-cred', rawId: 'new-cred', type: 'public-key', response: { attestationObject: 'AA' }, clientExtensionResults: {} };
  const passkey = { id: '9b1e4d7a-2c3f-4e5a-8b6c-7d8e9f0a1b2c', name: 'Passkey 1', created_at: '2026-12-01T10:00:00Z', last_used_at: null };

  function stubChoice(available = true) {
    return stubFetch({
      'GET /api/v1/me': () => json(200, { ...me, security: { ...me.security, passkeys_available: available } }),
      'POST /api/v1/me/mfa/totp': () => json(201, enrolment),
      'POST /api/v1/me/passkeys/register/start': () => json(200, creation),
      'POST /api/v1/me/passkeys/register/finish': () => json(201, { passkey, recovery_codes: codes }),
      'POST /api/v1/auth/refresh': () =>
        json(200, { access_token: 'full-token', token_type: 'Bearer', expires_in: 900, mfa_enrolment_required: false }),
    });
  }

  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => {
    setAccessToken('limited-token', true);
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.mocked(startRegistration).mockReset();
    setAccessToken(null);
  });

  it('asks which, and starts nothing before the choice', async () => {
    const api = stubChoice();
    const user = userEvent.setup();
    renderRoutes(routes(), '/security/setup');
    await screen.findByRole('heading', { name: 'Kies hoe je wilt inloggen' });
    expect(screen.getByText(/^Je werkgever vraagt dat je voortaan in twee stappen inlogt: naast je wachtwoord bevestig je/)).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Met een passkey' })).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Met een authenticator-app' })).toBeTruthy();
    expect(api.callsTo('POST', '/api/v1/me/mfa/totp')).toHaveLength(0);
    expect(api.callsTo('POST', '/api/v1/me/passkeys/register/start')).toHaveLength(0);

    // The app: the enrolment starts, with a way back to the choice.
    await user.click(screen.getByRole('link', { name: 'Authenticator-app instellen' }));
    await screen.findByRole('img', { name: 'QR-code om Verzuim toe te voegen aan je authenticator-app' });
    expect(screen.getByTestId('location').textContent).toBe('/security/setup?method=app');
    const first = screen.getByRole('heading', { name: '1. Installeer een authenticator-app' });
    await waitFor(() => expect(document.activeElement).toBe(first));
    expect(api.callsTo('POST', '/api/v1/me/mfa/totp')).toHaveLength(1);
    expect(screen.getByRole('link', { name: 'Liever een passkey? Kies een andere manier' })).toBeTruthy();
  });

  it('makes a passkey with the limited token, shows the recovery codes, then refreshes to a full token', async () => {
    vi.mocked(startRegistration).mockResolvedValue(attestation as never);
    const api = stubChoice();
    const user = userEvent.setup();
    renderRoutes(routes(), '/security/setup');
    await user.click(await screen.findByRole('link', { name: 'Passkey instellen' }));
    const heading = await screen.findByRole('heading', { name: 'Een passkey instellen' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(screen.getByTestId('location').textContent).toBe('/security/setup?method=passkey');
    await user.click(screen.getByRole('button', { name: 'Passkey maken' }));

    const codesHeading = await screen.findByRole('heading', { name: 'Bewaar je herstelcodes' });
    await waitFor(() => expect(document.activeElement).toBe(codesHeading));
    expect(screen.getByText('Je passkey is gemaakt. Inloggen in twee stappen staat aan.')).toBeTruthy();
    expect(api.callsTo('POST', '/api/v1/me/passkeys/register/start')[0].authorization).toBe('Bearer limited-token');
    expect(api.callsTo('POST', '/api/v1/me/passkeys/register/finish')[0].body).toEqual({
      ceremony_id: creation.ceremony_id,
      credential: attestation,
    });
    expect(api.callsTo('POST', '/api/v1/me/mfa/totp')).toHaveLength(0);
    expect(isEnrolmentRequired()).toBe(true);

    await user.click(screen.getByLabelText('Ik heb deze codes bewaard'));
    await user.click(screen.getByRole('button', { name: 'Verder' }));
    await screen.findByText('home page');
    expect(getAccessToken()).toBe('full-token');
    expect(isEnrolmentRequired()).toBe(false);
  });

  it('says so when the browser does not make the passkey, and keeps the app as a way out', async () => {
    vi.mocked(startRegistration).mockRejectedValue(Object.assign(new Error('closed'), { name: 'NotAllowedError' }));
    const api = stubChoice();
    const user = userEvent.setup();
    renderRoutes(routes(), '/security/setup?method=passkey');
    await user.click(await screen.findByRole('button', { name: 'Passkey maken' }));
    await screen.findByText(/^De passkey is niet gemaakt/);
    expect(api.callsTo('POST', '/api/v1/me/passkeys/register/finish')).toHaveLength(0);
    await user.click(screen.getByRole('link', { name: 'Liever een authenticator-app? Kies een andere manier' }));
    await screen.findByRole('img', { name: 'QR-code om Verzuim toe te voegen aan je authenticator-app' });
  });

  it('goes straight to the app where the server offers no passkeys', async () => {
    const api = stubChoice(false);
    renderRoutes(routes(), '/security/setup');
    await screen.findByRole('img', { name: 'QR-code om Verzuim toe te voegen aan je authenticator-app' });
    expect(screen.queryByRole('heading', { name: 'Kies hoe je wilt inloggen' })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Liever een passkey? Kies een andere manier' })).toBeNull();
    expect(api.callsTo('POST', '/api/v1/me/mfa/totp')).toHaveLength(1);
  });
});
