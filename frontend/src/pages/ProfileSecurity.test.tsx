import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import i18n from '../i18n';
import { setAccessToken } from '../api/client';
import { useMe } from '../api/queries';
import { json, problem, renderRoutes, stubFetch, type Handler } from '../test/api';
import { SecuritySection } from './ProfileSecurity';

const security = { totp_enabled: true, recovery_codes_left: 4, mfa_required: true };
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

/** The section as the profile shows it: from GET /me, which the removal refreshes. */
function Section() {
  const query = useMe();
  if (!query.data) return <p>loading</p>;
  return <SecuritySection security={query.data.security} email={query.data.email} justEnabled={false} />;
}

/** GET /me answers `me`, then (after the removal) the app off. */
function render(remove: Handler | Handler[]) {
  return renderWith({
    'DELETE /api/v1/me/mfa/totp': remove,
    'GET /api/v1/me': [
      () => json(200, me),
      () => json(200, { ...me, security: { totp_enabled: false, recovery_codes_left: 0, mfa_required: true } }),
    ],
  });
}

/** GET /me answers `me`, then (after a new set) ten codes left. */
function renderNewCodes(newCodes: Handler | Handler[]) {
  return renderWith({
    'POST /api/v1/me/mfa/recovery-codes': newCodes,
    'GET /api/v1/me': [() => json(200, me), () => json(200, { ...me, security: { ...security, recovery_codes_left: 10 } })],
  });
}

function renderWith(routes: Record<string, Handler | Handler[]>) {
  const api = stubFetch(routes);
  renderRoutes(<Route path="/profile" element={<Section />} />, '/profile');
  return api;
}

/** The "remove the authenticator app" disclosure, opened. */
async function openRemove(user: ReturnType<typeof userEvent.setup>) {
  const summary = await screen.findByText('Authenticator-app verwijderen');
  await user.click(summary);
  return within(summary.closest('details') as HTMLElement);
}

/** The "make new recovery codes" disclosure, opened. */
async function openNewCodes(user: ReturnType<typeof userEvent.setup>) {
  const summary = await screen.findByText('Nieuwe herstelcodes maken');
  await user.click(summary);
  return within(summary.closest('details') as HTMLElement);
}

/** The id of a field's error text, if it has one. */
function errorOf(field: HTMLElement): string | null {
  const id = field.getAttribute('aria-describedby')?.split(' ').find((i) => i.endsWith('-error'));
  return id ? (document.getElementById(id)?.textContent ?? null) : null;
}

describe('profile: remove the authenticator app', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => setAccessToken('full-token'));
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
  });

  it('asks the password and the app code', async () => {
    const api = render(() => new Response(null, { status: 204 }));
    const user = userEvent.setup();
    const box = await openRemove(user);
    await user.type(box.getByLabelText('Huidig wachtwoord'), 'paarse fiets op de dijk');
    await user.type(box.getByLabelText('Code van 6 cijfers'), '123 456');
    await user.click(box.getByRole('button', { name: 'App verwijderen' }));
    await screen.findByText(/^De authenticator-app is verwijderd\./);
    expect(api.callsTo('DELETE', '/api/v1/me/mfa/totp')[0].body).toEqual({
      password: 'paarse fiets op de dijk',
      code: '123456',
    });
  });

  it('takes a recovery code instead when the phone is lost', async () => {
    const api = render([
      () => problem(400, '/problems/validation', { errors: [{ field: 'password', message: 'is not your password' }] }),
      () => problem(400, '/problems/validation', { errors: [{ field: 'recovery_code', message: 'is not an unused recovery code' }] }),
      () => new Response(null, { status: 204 }),
    ]);
    const user = userEvent.setup();
    const box = await openRemove(user);
    await user.type(box.getByLabelText('Huidig wachtwoord'), 'verkeerd wachtwoord');
    await user.click(box.getByRole('button', { name: 'Ik ben mijn telefoon kwijt: gebruik een herstelcode' }));
    const recovery = box.getByLabelText('Herstelcode');
    await waitFor(() => expect(document.activeElement).toBe(recovery));
    expect(box.queryByLabelText('Code van 6 cijfers')).toBeNull();
    expect((box.getByLabelText('Huidig wachtwoord') as HTMLInputElement).value).toBe('verkeerd wachtwoord');

    // A wrong password: said at the password, which gets focus; the recovery code stays.
    await user.type(recovery, ' k0q7-a2mz-9xp0 ');
    await user.click(box.getByRole('button', { name: 'App verwijderen' }));
    const password = box.getByLabelText('Huidig wachtwoord') as HTMLInputElement;
    await waitFor(() => expect(errorOf(password)).toBe('Je wachtwoord klopt niet.'));
    expect(document.activeElement).toBe(password);
    expect(password.value).toBe('');
    expect((box.getByLabelText('Herstelcode') as HTMLInputElement).value).toBe(' k0q7-a2mz-9xp0 ');
    expect(api.callsTo('DELETE', '/api/v1/me/mfa/totp')[0].body).toEqual({
      password: 'verkeerd wachtwoord',
      recovery_code: 'k0q7-a2mz-9xp0',
    });

    // A used recovery code: said at that field, which is emptied.
    await user.type(password, 'paarse fiets op de dijk');
    await user.click(box.getByRole('button', { name: 'App verwijderen' }));
    const field = box.getByLabelText('Herstelcode') as HTMLInputElement;
    await waitFor(() => expect(errorOf(field)).toMatch(/^Deze herstelcode klopt niet of is al gebruikt\./));
    expect(document.activeElement).toBe(field);
    expect(field.value).toBe('');
    expect(errorOf(box.getByLabelText('Huidig wachtwoord'))).toBeNull();

    await user.type(field, 'b1c2-d3e4-f5g6');
    await user.click(box.getByRole('button', { name: 'App verwijderen' }));
    await screen.findByText(/^De authenticator-app is verwijderd\. Omdat je werkgever/);
    // GET /me now says the app is off: the form is gone, focus is on the section's heading.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Beveiliging' })));
    expect(screen.queryByText('Authenticator-app verwijderen')).toBeNull();
    expect(screen.getByRole('link', { name: 'Authenticator-app instellen' })).toBeTruthy();
    expect(api.callsTo('DELETE', '/api/v1/me/mfa/totp')[2].body).toEqual({
      password: 'paarse fiets op de dijk',
      recovery_code: 'b1c2-d3e4-f5g6',
    });
  });

  it('goes back to the app code, and checks the fields before sending', async () => {
    const api = render(() => new Response(null, { status: 204 }));
    const user = userEvent.setup();
    const box = await openRemove(user);
    await user.click(box.getByRole('button', { name: 'Ik ben mijn telefoon kwijt: gebruik een herstelcode' }));
    await user.click(box.getByRole('button', { name: 'Gebruik de code uit je app' }));
    const code = box.getByLabelText('Code van 6 cijfers');
    await waitFor(() => expect(document.activeElement).toBe(code));
    await user.click(box.getByRole('button', { name: 'App verwijderen' }));
    const password = box.getByLabelText('Huidig wachtwoord');
    await waitFor(() => expect(document.activeElement).toBe(password));
    expect(errorOf(password)).toBe('Vul dit veld in.');
    expect(errorOf(code)).toBe('Vul dit veld in.');
    expect(api.callsTo('DELETE', '/api/v1/me/mfa/totp')).toHaveLength(0);
  });
});

describe('profile: new recovery codes', () => {
  const newSet = Array.from({ length: 10 }, (_, i) => `n${i}w7-c0d3-s3t${i}`);

  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  beforeEach(() => setAccessToken('full-token'));
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
  });

  it('does not send the password alone: it asks the app code too', async () => {
    const api = renderNewCodes(() => json(200, { recovery_codes: newSet }));
    const user = userEvent.setup();
    const box = await openNewCodes(user);
    expect(box.getByText(/Vul ter controle je wachtwoord en een code uit de app in\./)).toBeTruthy();
    await user.type(box.getByLabelText('Huidig wachtwoord'), 'paarse fiets op de dijk');
    await user.click(box.getByRole('button', { name: 'Nieuwe codes maken' }));
    const code = box.getByLabelText('Code van 6 cijfers');
    await waitFor(() => expect(document.activeElement).toBe(code));
    expect(errorOf(code)).toBe('Vul dit veld in.');
    expect(errorOf(box.getByLabelText('Huidig wachtwoord'))).toBeNull();
    // Not 6 digits: said before sending too.
    await user.type(code, '12 34');
    await user.click(box.getByRole('button', { name: 'Nieuwe codes maken' }));
    await waitFor(() => expect(errorOf(code)).toBe('Vul de 6 cijfers van de code in.'));
    expect(api.callsTo('POST', '/api/v1/me/mfa/recovery-codes')).toHaveLength(0);
  });

  it('says at the code field when the server refuses the code, and at the password for a wrong one', async () => {
    const api = renderNewCodes(
      [
        () => problem(400, '/problems/validation', { errors: [{ field: 'code', message: 'is not the current code' }] }),
        () => problem(400, '/problems/validation', { errors: [{ field: 'password', message: 'is not your password' }] }),
      ],
    );
    const user = userEvent.setup();
    const box = await openNewCodes(user);
    await user.type(box.getByLabelText('Huidig wachtwoord'), 'paarse fiets op de dijk');
    await user.type(box.getByLabelText('Code van 6 cijfers'), '123 456');
    await user.click(box.getByRole('button', { name: 'Nieuwe codes maken' }));
    const code = box.getByLabelText('Code van 6 cijfers') as HTMLInputElement;
    await waitFor(() => expect(errorOf(code)).toMatch(/^Deze code klopt niet\./));
    expect(document.activeElement).toBe(code);
    expect(code.value).toBe('');
    const password = box.getByLabelText('Huidig wachtwoord') as HTMLInputElement;
    expect(password.value).toBe('paarse fiets op de dijk');
    expect(errorOf(password)).toBeNull();
    expect(api.callsTo('POST', '/api/v1/me/mfa/recovery-codes')[0].body).toEqual({
      password: 'paarse fiets op de dijk',
      code: '123456',
    });

    await user.type(code, '654321');
    await user.click(box.getByRole('button', { name: 'Nieuwe codes maken' }));
    await waitFor(() => expect(errorOf(password)).toBe('Je wachtwoord klopt niet.'));
    expect(document.activeElement).toBe(password);
    expect(password.value).toBe('');
    expect(errorOf(box.getByLabelText('Code van 6 cijfers'))).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Je nieuwe herstelcodes' })).toBeNull();
  });

  it('with the password and the app code, shows the new codes once', async () => {
    const api = renderNewCodes(() => json(200, { recovery_codes: newSet }));
    const user = userEvent.setup();
    const box = await openNewCodes(user);
    await user.type(box.getByLabelText('Huidig wachtwoord'), 'paarse fiets op de dijk');
    await user.type(box.getByLabelText('Code van 6 cijfers'), '123-456');
    await user.click(box.getByRole('button', { name: 'Nieuwe codes maken' }));
    const heading = await screen.findByRole('heading', { name: 'Je nieuwe herstelcodes' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    const list = screen.getByRole('list', { name: 'Herstelcodes' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(newSet);
    expect(api.callsTo('POST', '/api/v1/me/mfa/recovery-codes')).toHaveLength(1);
    expect(api.callsTo('POST', '/api/v1/me/mfa/recovery-codes')[0].body).toEqual({
      password: 'paarse fiets op de dijk',
      code: '123456',
    });

    // Once: after "saved", the codes are gone and the form is back, empty.
    await user.click(screen.getByRole('button', { name: 'Ik heb de codes bewaard' }));
    expect(screen.queryByRole('list', { name: 'Herstelcodes' })).toBeNull();
    const again = await openNewCodes(user);
    expect((again.getByLabelText('Huidig wachtwoord') as HTMLInputElement).value).toBe('');
    expect((again.getByLabelText('Code van 6 cijfers') as HTMLInputElement).value).toBe('');
  });

  it('takes a recovery code instead when the phone is lost', async () => {
    const api = renderNewCodes(
      [
        () => problem(400, '/problems/validation', { errors: [{ field: 'recovery_code', message: 'is not an unused recovery code' }] }),
        () => json(200, { recovery_codes: newSet }),
      ],
    );
    const user = userEvent.setup();
    const box = await openNewCodes(user);
    await user.type(box.getByLabelText('Huidig wachtwoord'), 'paarse fiets op de dijk');
    await user.click(box.getByRole('button', { name: 'Ik ben mijn telefoon kwijt: gebruik een herstelcode' }));
    const recovery = box.getByLabelText('Herstelcode') as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(recovery));
    expect(box.queryByLabelText('Code van 6 cijfers')).toBeNull();
    await user.type(recovery, ' k0q7-a2mz-9xp0 ');
    await user.click(box.getByRole('button', { name: 'Nieuwe codes maken' }));
    await waitFor(() => expect(errorOf(recovery)).toMatch(/^Deze herstelcode klopt niet of is al gebruikt\./));
    expect(document.activeElement).toBe(recovery);
    expect(recovery.value).toBe('');
    await user.type(recovery, 'b1c2-d3e4-f5g6');
    await user.click(box.getByRole('button', { name: 'Nieuwe codes maken' }));
    await screen.findByRole('heading', { name: 'Je nieuwe herstelcodes' });
    expect(api.callsTo('POST', '/api/v1/me/mfa/recovery-codes').map((c) => c.body)).toEqual([
      { password: 'paarse fiets op de dijk', recovery_code: 'k0q7-a2mz-9xp0' },
      { password: 'paarse fiets op de dijk', recovery_code: 'b1c2-d3e4-f5g6' },
    ]);
  });

  it('keeps its fields apart from the removal form', async () => {
    renderNewCodes(() => json(200, { recovery_codes: newSet }));
    const user = userEvent.setup();
    const codes = await openNewCodes(user);
    const remove = await openRemove(user);
    const ids = [codes, remove].flatMap((box) => [box.getByLabelText('Huidig wachtwoord').id, box.getByLabelText('Code van 6 cijfers').id]);
    expect(new Set(ids).size).toBe(4);
  });
});
