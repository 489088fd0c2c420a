import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import { startAuthentication, startRegistration } from '@simplewebauthn/browser';
import i18n from '../i18n';
import { setAccessToken } from '../api/client';
import { useMe } from '../api/queries';
import { json, problem, renderRoutes, stubFetch, type Handler } from '../test/api';
import { SecuritySection } from './ProfileSecurity';

vi.mock('@simplewebauthn/browser', () => ({ startAuthentication: vi.fn(), startRegistration: vi.fn() }));

const security = { totp_enabled: true, recovery_codes_left: 9, mfa_required: true, passkeys: 1, passkeys_available: true };
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
  security,
};
const phone = {
  id: '3f0d3c1e-8c55-4d57-9f0b-3b2f5f7b9a01',
  name: 'Telefoon van Jan',
  created_at: '2026-11-20T09:15:00Z',
  last_used_at: '2026-11-30T14:02:00Z',
};
const laptop = { id: '9b1e4d7a-2c3f-4e5a-8b6c-7d8e9f0a1b2c', name: 'Laptop', created_at: '2026-11-30T15:00:00Z', last_used_at: null };
const creation = {
  ceremony_id: '6e2b1d4c-0a9f-4c8e-b7d6-5f4e3d2c1b0a',
  public_key: { challenge: 'Y2hhbGxlbmdl', rp: { id: 'localhost', name: 'Verzuim' }, user: { id: 'dXNlcg', name: 'jan', displayName: 'Jan' }, pubKeyCredParams: [] },
};
const request = { ceremony_id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', public_key: { challenge: 'c3RlcC11cA', rpId: 'localhost' } };
const attestation = { id: 'new-cred', rawId: 'new-cred', type: 'public-key', response: { attestationObject: 'AA' }, clientExtensionResults: {} };
const assertion = { id: 'cred-1', rawId: 'cred-1', type: 'public-key', response: { signature: 'sig' }, clientExtensionResults: {} };
const noContent = () => new Response(null, { status: 204 });

function Section() {
  const query = useMe();
  if (!query.data) return <p>loading</p>;
  return <SecuritySection security={query.data.security} email={query.data.email} justEnabled={false} />;
}

function render(routes: Record<string, Handler | Handler[]>) {
  const api = stubFetch({ 'GET /api/v1/me': () => json(200, me), ...routes });
  renderRoutes(<Route path="/profile" element={<Section />} />, '/profile');
  return api;
}

/** The passkeys part of the security section. */
async function passkeysPart() {
  const heading = await screen.findByRole('heading', { name: 'Passkeys' });
  return within(heading.closest('.passkeys') as HTMLElement);
}

describe('profile: passkeys', () => {
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
    vi.mocked(startRegistration).mockReset();
    setAccessToken(null);
  });

  it('lists the passkeys with when they were added and last used', async () => {
    render({ 'GET /api/v1/me/passkeys': () => json(200, { items: [phone, laptop] }) });
    const part = await passkeysPart();
    const items = await part.findAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0].textContent).toContain('Telefoon van Jan');
    expect(items[0].textContent).toContain('Toegevoegd');
    expect(items[0].textContent).toContain('20 november 2026');
    expect(items[0].textContent).toContain('30 november 2026');
    expect(items[1].textContent).toContain('Nog niet gebruikt');
    expect(part.getByRole('button', { name: 'Passkey ‘Laptop’ verwijderen' })).toBeTruthy();
    // Both factors: said in the state.
    expect(screen.getByText('Aan, met een authenticator-app en een passkey')).toBeTruthy();
  });

  it('adds one: the optional name, the browser makes it, the server stores it', async () => {
    vi.mocked(startRegistration).mockResolvedValue(attestation as never);
    const api = render({
      'GET /api/v1/me/passkeys': [() => json(200, { items: [phone] }), () => json(200, { items: [phone, laptop] })],
      'POST /api/v1/me/passkeys/register/start': () => json(200, creation),
      'POST /api/v1/me/passkeys/register/finish': () => json(201, { passkey: laptop }),
    });
    const user = userEvent.setup();
    const part = await passkeysPart();
    await user.type(part.getByLabelText(/^Naam van de passkey/), '  Laptop ');
    await user.click(part.getByRole('button', { name: 'Passkey toevoegen' }));
    await screen.findByText('Passkey ‘Laptop’ is toegevoegd. Je kunt er vanaf nu mee inloggen.');
    expect(vi.mocked(startRegistration).mock.calls[0][0]).toEqual({ optionsJSON: creation.public_key });
    expect(api.callsTo('POST', '/api/v1/me/passkeys/register/finish')[0].body).toEqual({
      ceremony_id: creation.ceremony_id,
      name: 'Laptop',
      credential: attestation,
    });
    await waitFor(() => expect(part.getAllByRole('listitem')).toHaveLength(2));
    // Not the first second factor: no recovery codes.
    expect(screen.queryByRole('list', { name: 'Herstelcodes' })).toBeNull();
    expect((part.getByLabelText(/^Naam van de passkey/) as HTMLInputElement).value).toBe('');
  });

  it('sends no name when none is typed, and shows the recovery codes of a first factor once', async () => {
    vi.mocked(startRegistration).mockResolvedValue(attestation as never);
    const codes = Array.from({ length: 10 }, (_, i) => `p${i}k7-c0d3-s3t${i}`);
    const api = stubFetch({
      'GET /api/v1/me': () => json(200, { ...me, security: { ...security, totp_enabled: false, passkeys: 0, recovery_codes_left: 0, mfa_required: false } }),
      'GET /api/v1/me/passkeys': () => json(200, { items: [] }),
      'POST /api/v1/me/passkeys/register/start': () => json(200, creation),
      'POST /api/v1/me/passkeys/register/finish': () => json(201, { passkey: { ...laptop, name: 'Passkey 1' }, recovery_codes: codes }),
    });
    renderRoutes(<Route path="/profile" element={<Section />} />, '/profile');
    const user = userEvent.setup();
    const part = await passkeysPart();
    await part.findByText('Je hebt geen passkeys.');
    expect(screen.getByText('Uit')).toBeTruthy();
    await user.click(part.getByRole('button', { name: 'Passkey toevoegen' }));
    const heading = await screen.findByRole('heading', { name: 'Bewaar je herstelcodes' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(api.callsTo('POST', '/api/v1/me/passkeys/register/finish')[0].body).toEqual({
      ceremony_id: creation.ceremony_id,
      credential: attestation,
    });
    const list = screen.getByRole('list', { name: 'Herstelcodes' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(codes);
    await user.click(screen.getByRole('button', { name: 'Ik heb de codes bewaard' }));
    expect(screen.queryByRole('list', { name: 'Herstelcodes' })).toBeNull();
  });

  it('says so when the browser dialog is closed or the device already has one', async () => {
    const cancelled = Object.assign(new Error('closed'), { name: 'NotAllowedError' });
    const exists = Object.assign(new Error('excluded'), { name: 'InvalidStateError' });
    vi.mocked(startRegistration).mockRejectedValueOnce(cancelled).mockRejectedValueOnce(exists);
    const api = render({
      'GET /api/v1/me/passkeys': () => json(200, { items: [phone] }),
      'POST /api/v1/me/passkeys/register/start': () => json(200, creation),
    });
    const user = userEvent.setup();
    const part = await passkeysPart();
    await user.click(part.getByRole('button', { name: 'Passkey toevoegen' }));
    await part.findByText(/^De passkey is niet gemaakt/);
    await user.click(part.getByRole('button', { name: 'Passkey toevoegen' }));
    await part.findByText(/^Dit apparaat heeft al een passkey voor je account/);
    expect(api.callsTo('POST', '/api/v1/me/passkeys/register/finish')).toHaveLength(0);
  });

  it('removes one at once right after a login', async () => {
    const api = render({
      'GET /api/v1/me/passkeys': [() => json(200, { items: [phone, laptop] }), () => json(200, { items: [phone] })],
      'DELETE /api/v1/me/passkeys/9b1e4d7a-2c3f-4e5a-8b6c-7d8e9f0a1b2c': noContent,
    });
    const user = userEvent.setup();
    const part = await passkeysPart();
    await user.click(await part.findByRole('button', { name: 'Passkey ‘Laptop’ verwijderen' }));
    await screen.findByText('Passkey ‘Laptop’ is verwijderd. Op je andere apparaten ben je uitgelogd.');
    await waitFor(() => expect(part.getAllByRole('listitem')).toHaveLength(1));
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Passkeys' }));
    expect(api.callsTo('DELETE', '/api/v1/me/passkeys/9b1e4d7a-2c3f-4e5a-8b6c-7d8e9f0a1b2c')).toHaveLength(1);
  });

  it('asks "confirm it is you" when the login is too long ago, then removes it', async () => {
    vi.mocked(startAuthentication).mockResolvedValue(assertion as never);
    const path = `/api/v1/me/passkeys/${phone.id}`;
    const api = render({
      'GET /api/v1/me/passkeys': [() => json(200, { items: [phone] }), () => json(200, { items: [] })],
      [`DELETE ${path}`]: [() => problem(403, '/problems/step-up-required'), noContent],
      'POST /api/v1/me/step-up': () =>
        problem(400, '/problems/validation', { errors: [{ field: 'password', message: 'is not your password' }] }),
      'POST /api/v1/me/step-up/passkey/start': () => json(200, request),
      'POST /api/v1/me/step-up/passkey/finish': noContent,
    });
    const user = userEvent.setup();
    const part = await passkeysPart();
    await user.click(await part.findByRole('button', { name: 'Passkey ‘Telefoon van Jan’ verwijderen' }));
    const heading = await screen.findByRole('heading', { name: 'Bevestig dat jij het bent' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(screen.getByText('Je wilt passkey ‘Telefoon van Jan’ verwijderen. Bevestig eerst dat jij het bent.')).toBeTruthy();
    // While it asks, the passkey is still there, without its remove button.
    expect(part.queryByRole('button', { name: 'Passkey ‘Telefoon van Jan’ verwijderen' })).toBeNull();

    // A wrong password first, then the passkey.
    await user.type(screen.getByLabelText('Wachtwoord'), 'verkeerd');
    await user.click(screen.getByRole('button', { name: 'Bevestigen' }));
    await screen.findByText('Je wachtwoord klopt niet.');
    expect(api.callsTo('DELETE', path)).toHaveLength(1);
    await user.click(screen.getByLabelText('Met je passkey'));
    await user.click(screen.getByRole('button', { name: 'Bevestigen met je passkey' }));

    await screen.findByText('Passkey ‘Telefoon van Jan’ is verwijderd. Op je andere apparaten ben je uitgelogd.');
    expect(api.callsTo('DELETE', path)).toHaveLength(2);
    expect(api.callsTo('POST', '/api/v1/me/step-up/passkey/finish')[0].body).toEqual({
      ceremony_id: request.ceremony_id,
      credential: assertion,
    });
    expect(screen.queryByRole('heading', { name: 'Bevestig dat jij het bent' })).toBeNull();
    await part.findByText('Je hebt geen passkeys.');
  });

  it('cancelling the confirmation keeps the passkey and puts focus back on its button', async () => {
    const path = `/api/v1/me/passkeys/${phone.id}`;
    const api = render({
      'GET /api/v1/me/passkeys': () => json(200, { items: [phone] }),
      [`DELETE ${path}`]: () => problem(403, '/problems/step-up-required'),
    });
    const user = userEvent.setup();
    const part = await passkeysPart();
    await user.click(await part.findByRole('button', { name: 'Passkey ‘Telefoon van Jan’ verwijderen' }));
    await screen.findByRole('heading', { name: 'Bevestig dat jij het bent' });
    await user.click(screen.getByRole('button', { name: 'Annuleren' }));
    const button = await part.findByRole('button', { name: 'Passkey ‘Telefoon van Jan’ verwijderen' });
    await waitFor(() => expect(document.activeElement).toBe(button));
    expect(api.callsTo('DELETE', path)).toHaveLength(1);
  });

  it('shows no passkeys where the server does not offer them', async () => {
    const api = stubFetch({ 'GET /api/v1/me': () => json(200, { ...me, security: { ...security, passkeys: 0, passkeys_available: false } }) });
    renderRoutes(<Route path="/profile" element={<Section />} />, '/profile');
    await screen.findByRole('heading', { name: 'Beveiliging' });
    expect(screen.queryByRole('heading', { name: 'Passkeys' })).toBeNull();
    expect(api.callsTo('GET', '/api/v1/me/passkeys')).toHaveLength(0);
  });
});
