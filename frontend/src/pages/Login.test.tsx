import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import { startAuthentication } from '@simplewebauthn/browser';
import i18n from '../i18n';
import { getAccessToken, isEnrolmentRequired, setAccessToken } from '../api/client';
import { json, problem, renderRoutes, stubFetch, type Handler } from '../test/api';
import { LoginPage } from './Login';

vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: vi.fn(), startRegistration: vi.fn() }));

const challenge = { mfa_required: true, mfa_token: 'mfa-token-1', methods: ['totp', 'recovery_code'] };
const fullToken = { access_token: 'full-token', token_type: 'Bearer', expires_in: 900, mfa_enrolment_required: false };

function routes() {
  return (
    <>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/" element={<p>home page</p>} />
    </>
  );
}

function stub(mfa: Handler | Handler[]) {
  return stubFetch({
    'POST /api/v1/auth/refresh': () => problem(401, '/problems/unauthorized'),
    'GET /api/v1/status': () => json(200, { message: null }),
    'POST /api/v1/auth/login': () => json(200, challenge),
    'POST /api/v1/auth/mfa': mfa,
  });
}

async function passwordStep(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText('E-mailadres'), 'jan.jansen@example.nl');
  await user.type(screen.getByLabelText('Wachtwoord'), 'paarse fiets op de dijk');
  await user.click(screen.getByRole('button', { name: 'Inloggen' }));
  return screen.findByRole('heading', { level: 2, name: 'Inloggen in twee stappen' });
}

describe('login with a second factor', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => setAccessToken(null));
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('asks for the app code after the password and logs in with it', async () => {
    const api = stub(() => json(200, fullToken));
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');

    const heading = await passwordStep(user);
    // Focus follows the step change; no token yet.
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(getAccessToken()).toBeNull();
    expect(api.callsTo('POST', '/api/v1/auth/login')[0].body).toEqual({
      email: 'jan.jansen@example.nl',
      password: 'paarse fiets op de dijk',
    });

    const code = screen.getByLabelText('Code van 6 cijfers');
    expect(code.getAttribute('inputmode')).toBe('numeric');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');
    await user.type(code, '123 456');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));

    await screen.findByText('home page');
    expect(api.callsTo('POST', '/api/v1/auth/mfa')[0].body).toEqual({ mfa_token: 'mfa-token-1', code: '123456' });
    expect(getAccessToken()).toBe('full-token');
    expect(isEnrolmentRequired()).toBe(false);
  });

  it('says so when the code is wrong, tied to the field', async () => {
    stub([() => problem(401, '/problems/invalid-second-factor'), () => json(200, fullToken)]);
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);

    await user.type(screen.getByLabelText('Code van 6 cijfers'), '000000');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    const field = screen.getByLabelText('Code van 6 cijfers');
    await waitFor(() => expect(field.getAttribute('aria-invalid')).toBe('true'));
    const errorId = field.getAttribute('aria-describedby')?.split(' ').find((id) => id.endsWith('-error'));
    expect(document.getElementById(errorId ?? '')?.textContent).toMatch(/^Deze code klopt niet\./);
    expect(document.activeElement).toBe(field);
    expect(getAccessToken()).toBeNull();

    await user.type(field, '654321');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText('home page');
  });

  it('checks the code in the browser before sending it', async () => {
    const api = stub(() => json(200, fullToken));
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);
    await user.type(screen.getByLabelText('Code van 6 cijfers'), '12345');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText('Vul de 6 cijfers van de code in.');
    expect(api.callsTo('POST', '/api/v1/auth/mfa')).toHaveLength(0);
  });

  it('swaps to a recovery code and sends that instead', async () => {
    const api = stub(() => json(200, fullToken));
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);

    await user.click(screen.getByRole('button', { name: 'Gebruik een herstelcode' }));
    const recovery = await screen.findByLabelText('Herstelcode');
    await waitFor(() => expect(document.activeElement).toBe(recovery));
    expect(screen.queryByLabelText('Code van 6 cijfers')).toBeNull();
    // …and back, and again.
    await user.click(screen.getByRole('button', { name: 'Gebruik de code uit je app' }));
    await screen.findByLabelText('Code van 6 cijfers');
    await user.click(screen.getByRole('button', { name: 'Gebruik een herstelcode' }));

    await user.type(await screen.findByLabelText('Herstelcode'), ' abcd-efgh-ijkl ');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText('home page');
    expect(api.callsTo('POST', '/api/v1/auth/mfa')[0].body).toEqual({
      mfa_token: 'mfa-token-1',
      recovery_code: 'abcd-efgh-ijkl',
    });
    expect(getAccessToken()).toBe('full-token');
  });

  it('shows until when the login is blocked (429)', async () => {
    const until = new Date(Date.now() + 3600_000);
    stub(() =>
      problem(429, '/problems/login-blocked', { blocked_until: until.toISOString() }, { 'Retry-After': '3600' }),
    );
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);
    await user.type(screen.getByLabelText('Code van 6 cijfers'), '111111');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    const alert = await screen.findByText(/^Je account is tijdelijk geblokkeerd na 3 mislukte pogingen\. Je kunt weer inloggen vanaf/);
    expect(alert.getAttribute('role')).toBe('alert');
    // The challenge is of no more use: back at the password.
    expect(screen.getByLabelText('Wachtwoord')).toBeTruthy();
  });

  it('starts over at the password when the mfa_token has expired or was used', async () => {
    const api = stub(() => problem(401, '/problems/mfa-token-expired'));
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);
    await user.type(screen.getByLabelText('Code van 6 cijfers'), '222222');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    const alert = await screen.findByText(/^Deze inlogstap is verlopen/);
    expect(alert.getAttribute('role')).toBe('alert');
    const password = screen.getByLabelText('Wachtwoord');
    await waitFor(() => expect(document.activeElement).toBe(password));
    expect((screen.getByLabelText('E-mailadres') as HTMLInputElement).value).toBe('jan.jansen@example.nl');
    expect(screen.queryByLabelText('Code van 6 cijfers')).toBeNull();
    expect(api.callsTo('POST', '/api/v1/auth/mfa')).toHaveLength(1);
  });

  it('keeps the code step for a wrong code, however long it took (the server says when it expired)', async () => {
    stub([() => problem(401, '/problems/invalid-second-factor'), () => json(200, fullToken)]);
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);
    vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 5 * 60_000 + 1000);
    await user.type(screen.getByLabelText('Code van 6 cijfers'), '222222');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText(/^Deze code klopt niet\./);
    expect(screen.queryByLabelText('Wachtwoord')).toBeNull();
    await user.type(screen.getByLabelText('Code van 6 cijfers'), '333333');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText('home page');
  });

  it('logs in at once when the login has no second factor, remembering a required enrolment', async () => {
    stubFetch({
      'POST /api/v1/auth/refresh': () => problem(401, '/problems/unauthorized'),
      'GET /api/v1/status': () => json(200, { message: null }),
      'POST /api/v1/auth/login': () => json(200, { ...fullToken, access_token: 'limited', mfa_enrolment_required: true }),
    });
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await user.type(screen.getByLabelText('E-mailadres'), 'jan.jansen@example.nl');
    await user.type(screen.getByLabelText('Wachtwoord'), 'paarse fiets op de dijk');
    await user.click(screen.getByRole('button', { name: 'Inloggen' }));
    await screen.findByText('home page');
    expect(getAccessToken()).toBe('limited');
    expect(isEnrolmentRequired()).toBe(true);
  });
});

describe('login with a passkey', () => {
  const ceremony = { ceremony_id: '5d1c2b3a-4e5f-4a6b-9c8d-7e6f5a4b3c2d', public_key: { challenge: 'bG9naW4', rpId: 'localhost' } };
  const assertion = { id: 'cred-1', rawId: 'cred-1', type: 'public-key', response: { signature: 'sig', userHandle: 'dXNlcg' }, clientExtensionResults: {} };
  const withPasskey = { ...challenge, methods: ['totp', 'passkey', 'recovery_code'] };

  function stubPasskey(finish: Handler | Handler[], login = withPasskey) {
    return stubFetch({
      'POST /api/v1/auth/refresh': () => problem(401, '/problems/unauthorized'),
      'GET /api/v1/status': () => json(200, { message: null }),
      'POST /api/v1/auth/login': () => json(200, login),
      'POST /api/v1/auth/mfa': () => json(200, fullToken),
      'POST /api/v1/auth/passkey/start': () => json(200, ceremony),
      'POST /api/v1/auth/passkey/finish': finish,
    });
  }

  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => {
    setAccessToken(null);
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.mocked(startAuthentication).mockReset();
  });

  it('offers no passkey where the browser has none', async () => {
    vi.unstubAllGlobals();
    stubPasskey(() => json(200, fullToken));
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await screen.findByLabelText('Wachtwoord');
    expect(screen.queryByRole('button', { name: 'Inloggen met een passkey' })).toBeNull();
    await passwordStep(user);
    expect(screen.queryByRole('button', { name: 'Gebruik je passkey' })).toBeNull();
  });

  it('logs in with a passkey alone: no e-mail address, no password', async () => {
    vi.mocked(startAuthentication).mockResolvedValue(assertion as never);
    const api = stubPasskey(() => json(200, fullToken));
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    const button = await screen.findByRole('button', { name: 'Inloggen met een passkey' });
    expect(button.getAttribute('aria-describedby')).toBe('passkey-login-hint');
    await user.click(button);
    await screen.findByText('home page');
    // Without an mfa_token: any passkey of this site (discoverable).
    expect(api.callsTo('POST', '/api/v1/auth/passkey/start')[0].body).toEqual({});
    expect(vi.mocked(startAuthentication).mock.calls[0][0]).toEqual({ optionsJSON: ceremony.public_key });
    expect(api.callsTo('POST', '/api/v1/auth/passkey/finish')[0].body).toEqual({
      ceremony_id: ceremony.ceremony_id,
      credential: assertion,
    });
    expect(api.callsTo('POST', '/api/v1/auth/login')).toHaveLength(0);
    expect(getAccessToken()).toBe('full-token');
  });

  it('says so when the passkey alone is refused or its dialog closed', async () => {
    vi.mocked(startAuthentication)
      .mockRejectedValueOnce(Object.assign(new Error('closed'), { name: 'NotAllowedError' }))
      .mockResolvedValue(assertion as never);
    stubPasskey([() => problem(401, '/problems/invalid-second-factor'), () => problem(401, '/problems/mfa-token-expired')]);
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    const button = await screen.findByRole('button', { name: 'Inloggen met een passkey' });
    await user.click(button);
    expect((await screen.findByText(/^Je passkey is niet gebruikt/)).closest('[role="alert"]')).toBeTruthy();
    await user.click(button);
    await screen.findByText(/^Met deze passkey kun je niet inloggen bij Verzuim/);
    await user.click(button);
    await screen.findByText('Dat duurde te lang. Probeer het opnieuw.');
    expect(getAccessToken()).toBeNull();
    expect(screen.getByLabelText('Wachtwoord')).toBeTruthy();
  });

  it('offers the passkey as the second step, with the mfa_token of the password', async () => {
    vi.mocked(startAuthentication).mockResolvedValue(assertion as never);
    const api = stubPasskey([() => problem(401, '/problems/invalid-second-factor'), () => json(200, fullToken)]);
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);
    // The app's code stays the first way; the passkey and a recovery code are the others.
    expect(screen.getByLabelText('Code van 6 cijfers')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Inloggen met een passkey' })).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Gebruik je passkey' }));

    // Refused: the step stays, with the passkey's button to try again.
    await screen.findByText(/^Deze passkey hoort niet bij je account of werd niet geaccepteerd/);
    const retry = screen.getByRole('button', { name: 'Gebruik je passkey' });
    await waitFor(() => expect(document.activeElement).toBe(retry));
    expect(screen.getByRole('button', { name: 'Gebruik de code uit je app' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Gebruik een herstelcode' })).toBeTruthy();
    await user.click(retry);
    await screen.findByText('home page');
    expect(api.callsTo('POST', '/api/v1/auth/passkey/start').map((c) => c.body)).toEqual([
      { mfa_token: 'mfa-token-1' },
      { mfa_token: 'mfa-token-1' },
    ]);
    expect(api.callsTo('POST', '/api/v1/auth/mfa')).toHaveLength(0);
    expect(getAccessToken()).toBe('full-token');
  });

  it('starts with the passkey when the login has no app, and goes back to the password when the step expired', async () => {
    vi.mocked(startAuthentication).mockResolvedValue(assertion as never);
    const api = stubPasskey(() => problem(401, '/problems/mfa-token-expired'), {
      ...challenge,
      methods: ['passkey', 'recovery_code'],
    });
    const user = userEvent.setup();
    renderRoutes(routes(), '/login');
    await passwordStep(user);
    await screen.findByText(/^Je wachtwoord klopt\. Bevestig nu met je passkey/);
    expect(screen.queryByLabelText('Code van 6 cijfers')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Gebruik de code uit je app' })).toBeNull();
    // Nothing happens before the person chooses to.
    expect(api.callsTo('POST', '/api/v1/auth/passkey/start')).toHaveLength(0);
    await user.click(screen.getByRole('button', { name: 'Gebruik je passkey' }));
    await screen.findByText(/^Deze inlogstap is verlopen/);
    const password = screen.getByLabelText('Wachtwoord');
    await waitFor(() => expect(document.activeElement).toBe(password));
  });
});
