import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useEffect, useState } from 'react';
import { screen } from '@testing-library/react';
import { Route } from 'react-router';
import i18n from '../i18n';
import { api, isEnrolmentRequired, setAccessToken } from '../api/client';
import { json, problem, renderRoutes, stubFetch } from '../test/api';
import { RequireAuth } from './RequireAuth';

/** A protected page that asks the API something as soon as it shows. */
function Absences() {
  const [status, setStatus] = useState<number | null>(null);
  useEffect(() => {
    void api.GET('/api/v1/me/absences', { params: { query: {} } }).then((r) => setStatus(r.response.status));
  }, []);
  return <p>absences page {status}</p>;
}

function routes() {
  return (
    <>
      <Route path="/login" element={<p>login page</p>} />
      <Route element={<RequireAuth />}>
        <Route path="/" element={<p>home page</p>} />
        <Route path="/absences" element={<Absences />} />
        <Route path="/dossier" element={<p>dossier page</p>} />
        <Route path="/security/setup" element={<p>setup page</p>} />
      </Route>
    </>
  );
}

describe('RequireAuth while the employer requires an enrolment', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
  });

  it('sends every protected page to /security/setup', async () => {
    setAccessToken('limited-token', true);
    stubFetch({});
    renderRoutes(routes(), '/dossier');
    await screen.findByText('setup page');
    expect(screen.getByTestId('location').textContent).toBe('/security/setup');
    expect(screen.queryByText('dossier page')).toBeNull();
  });

  it('shows the page once the token is a full one', async () => {
    setAccessToken('full-token', false);
    stubFetch({});
    renderRoutes(routes(), '/dossier');
    await screen.findByText('dossier page');
  });

  it('follows a 403 "mfa-enrolment-required" of the API to the enrolment page', async () => {
    setAccessToken('full-token', false);
    stubFetch({
      'GET /api/v1/me/absences': () => problem(403, 'https://verzuim.example/problems/mfa-enrolment-required'),
    });
    renderRoutes(routes(), '/absences');
    await screen.findByText('setup page');
    expect(isEnrolmentRequired()).toBe(true);
  });

  it('takes the flag from a page-load refresh too', async () => {
    stubFetch({
      'POST /api/v1/auth/refresh': () =>
        json(200, { access_token: 'limited-token', token_type: 'Bearer', expires_in: 900, mfa_enrolment_required: true }),
    });
    renderRoutes(routes(), '/');
    await screen.findByText('setup page');
  });
});
