import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import { startAuthentication } from '@simplewebauthn/browser';
import i18n from '../i18n';
import { setAccessToken } from '../api/client';
import { ApiError } from '../api/problem';
import type { Security } from '../api/types';
import { json, problem, renderRoutes, stubFetch, type Handler } from '../test/api';
import { isStepUpRequired, StepUpForm, stepUpMethods } from './StepUp';

vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: vi.fn(), startRegistration: vi.fn() }));

const everything: Security = { totp_enabled: true, recovery_codes_left: 7, mfa_required: true, passkeys: 1, passkeys_available: true };
const assertion = { id: 'cred-1', rawId: 'cred-1', type: 'public-key', response: { signature: 'sig' }, clientExtensionResults: {} };
const ceremony = { ceremony_id: '0c7f6a52-5f0e-4b53-9a42-1d7c1f3f2a10', public_key: { challenge: 'Y2hhbGxlbmdl', rpId: 'localhost' } };

function browserError(name: string): Error {
  const e = new Error('from the browser');
  e.name = name;
  return e;
}

function errorOf(field: HTMLElement): string | null {
  const id = field.getAttribute('aria-describedby')?.split(' ').find((i) => i.endsWith('-error'));
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

function render(routes: Record<string, Handler | Handler[]>, security: Security = everything) {
  const api = stubFetch(routes);
  const onConfirmed = vi.fn();
  const onCancel = vi.fn();
  renderRoutes(
    <Route
      path="/"
      element={
        <StepUpForm
          idPrefix="test"
          email="jan.jansen@example.nl"
          security={security}
          reason="Je wilt passkey ‘Telefoon’ verwijderen. Bevestig eerst dat jij het bent."
          onConfirmed={onConfirmed}
          onCancel={onCancel}
        />
      }
    />,
    '/',
  );
  return { api, onConfirmed, onCancel };
}

const noContent = () => new Response(null, { status: 204 });

describe('step-up: "confirm it is you"', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => {
    setAccessToken('full-token');
    vi.stubGlobal('PublicKeyCredential', function PublicKeyCredential() {});
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.mocked(startAuthentication).mockReset();
    setAccessToken(null);
  });

  it('knows a step-up problem from any other 403', () => {
    expect(isStepUpRequired(new ApiError(403, { type: '/problems/step-up-required' }, null))).toBe(true);
    expect(isStepUpRequired(new ApiError(403, { type: '/problems/mfa-enrolment-required' }, null))).toBe(false);
    expect(isStepUpRequired(new ApiError(401, { type: '/problems/step-up-required' }, null))).toBe(false);
    expect(isStepUpRequired(new Error('x'))).toBe(false);
  });

  it('offers only the ways this person has', () => {
    expect(stepUpMethods(everything, true)).toEqual(['password', 'passkey', 'totp', 'recovery_code']);
    expect(stepUpMethods(everything, false)).toEqual(['password', 'totp', 'recovery_code']);
    expect(stepUpMethods({ ...everything, totp_enabled: false, recovery_codes_left: 0 }, true)).toEqual(['password', 'passkey']);
    expect(stepUpMethods({ ...everything, passkeys: 0, totp_enabled: false, recovery_codes_left: 0 }, true)).toEqual(['password']);
  });

  it('confirms with the password; a wrong one is said at the field', async () => {
    const { api, onConfirmed } = render({
      'POST /api/v1/me/step-up': [
        () => problem(400, '/problems/validation', { errors: [{ field: 'password', message: 'is not your password' }] }),
        noContent,
      ],
    });
    const user = userEvent.setup();
    const heading = await screen.findByRole('heading', { name: 'Bevestig dat jij het bent' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(screen.getByText(/^Je wilt passkey ‘Telefoon’ verwijderen/)).toBeTruthy();
    expect((screen.getByLabelText('Met je wachtwoord') as HTMLInputElement).checked).toBe(true);
    for (const label of ['Met je passkey', 'Met de code uit je authenticator-app', 'Met een herstelcode']) {
      expect(screen.getByLabelText(label)).toBeTruthy();
    }

    // Empty: said before sending.
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    const password = screen.getByLabelText('Wachtwoord') as HTMLInputElement;
    await waitFor(() => expect(errorOf(password)).toBe('Vul dit veld in.'));
    expect(api.callsTo('POST', '/api/v1/me/step-up')).toHaveLength(0);

    await user.type(password, 'verkeerd');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await waitFor(() => expect(errorOf(password)).toBe('Je wachtwoord klopt niet.'));
    await waitFor(() => expect(document.activeElement).toBe(password));
    expect(password.value).toBe('');
    expect(onConfirmed).not.toHaveBeenCalled();

    await user.type(password, 'paarse fiets op de dijk');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await waitFor(() => expect(onConfirmed).toHaveBeenCalledTimes(1));
    expect(api.callsTo('POST', '/api/v1/me/step-up').map((c) => c.body)).toEqual([
      { password: 'verkeerd' },
      { password: 'paarse fiets op de dijk' },
    ]);
  });

  it('confirms with the app code or a recovery code, one proof at a time', async () => {
    const { api, onConfirmed } = render({
      'POST /api/v1/me/step-up': [
        () => problem(400, '/problems/validation', { errors: [{ field: 'code', message: 'is not the code' }] }),
        noContent,
      ],
    });
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText('Met de code uit je authenticator-app'));
    expect(screen.queryByLabelText('Wachtwoord')).toBeNull();
    const code = screen.getByLabelText('Code van 6 cijfers');
    await user.type(code, '12 34');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await waitFor(() => expect(errorOf(code)).toBe('Vul de 6 cijfers van de code in.'));
    await user.clear(code);
    await user.type(code, '123 456');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await waitFor(() => expect(errorOf(screen.getByLabelText('Code van 6 cijfers'))).toMatch(/^Deze code klopt niet\./));

    await user.click(screen.getByLabelText('Met een herstelcode'));
    await user.type(screen.getByLabelText('Herstelcode'), ' k0q7-a2mz-9xp0 ');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await waitFor(() => expect(onConfirmed).toHaveBeenCalledTimes(1));
    expect(api.callsTo('POST', '/api/v1/me/step-up').map((c) => c.body)).toEqual([
      { code: '123456' },
      { recovery_code: 'k0q7-a2mz-9xp0' },
    ]);
  });

  it('confirms with a passkey: the options go to the browser, its answer to the server', async () => {
    vi.mocked(startAuthentication).mockRejectedValueOnce(browserError('NotAllowedError')).mockResolvedValue(assertion as never);
    const { api, onConfirmed } = render({
      'POST /api/v1/me/step-up/passkey/start': () => json(200, ceremony),
      'POST /api/v1/me/step-up/passkey/finish': [
        () => problem(400, '/problems/validation', { errors: [{ field: 'credential', message: 'is not an answer' }] }),
        noContent,
      ],
    });
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText('Met je passkey'));
    await screen.findByText(/^Je telefoon of computer vraagt om je vingerafdruk/);
    const submit = screen.getByRole('button', { name: 'Bevestigen met je passkey' });

    // The browser's dialog closed: nothing sent to finish, a message.
    await user.click(submit);
    const alert = await screen.findByText(/^Je passkey is niet gebruikt/);
    expect(alert.closest('[role="alert"]')).toBeTruthy();
    expect(api.callsTo('POST', '/api/v1/me/step-up/passkey/finish')).toHaveLength(0);

    // Refused by the server, then accepted.
    await user.click(screen.getByRole('button', { name: 'Bevestigen met je passkey' }));
    await screen.findByText(/^Deze passkey werd niet geaccepteerd/);
    await user.click(screen.getByRole('button', { name: 'Bevestigen met je passkey' }));
    await waitFor(() => expect(onConfirmed).toHaveBeenCalledTimes(1));
    expect(vi.mocked(startAuthentication).mock.calls.at(-1)?.[0]).toEqual({ optionsJSON: ceremony.public_key });
    expect(api.callsTo('POST', '/api/v1/me/step-up/passkey/finish').at(-1)?.body).toEqual({
      ceremony_id: ceremony.ceremony_id,
      credential: assertion,
    });
    expect(api.callsTo('POST', '/api/v1/me/step-up')).toHaveLength(0);
  });

  it('says until when after too many wrong answers, and can be cancelled', async () => {
    const until = new Date(Date.now() + 3600_000);
    const { onCancel } = render(
      {
        'POST /api/v1/me/step-up': () =>
          problem(429, '/problems/login-blocked', { blocked_until: until.toISOString() }, { 'Retry-After': '3600' }),
      },
      { ...everything, passkeys: 0, totp_enabled: false, recovery_codes_left: 0 },
    );
    const user = userEvent.setup();
    // Only the password: no choice to make.
    expect(screen.queryByRole('group', { name: 'Hoe wil je bevestigen?' })).toBeNull();
    await user.type(await screen.findByLabelText('Wachtwoord'), 'x');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText(/^Je account is tijdelijk geblokkeerd na 3 mislukte pogingen\. Je kunt het weer proberen vanaf/);
    await user.click(screen.getByRole('button', { name: 'Annuleren' }));
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});
