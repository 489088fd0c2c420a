import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import i18n from '../i18n';
import { getAccessToken, isEnrolmentRequired, setAccessToken } from '../api/client';
import { RequireAuth } from '../auth/RequireAuth';
import { json, problem, renderRoutes, stubFetch } from '../test/api';
import { SecuritySetupPage } from './SecuritySetup';

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
