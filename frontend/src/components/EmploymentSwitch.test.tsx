import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route } from 'react-router';
import i18n from '../i18n';
import { getAccessToken, setAccessToken } from '../api/client';
import { useMe } from '../api/queries';
import { json, renderRoutes, stubFetch } from '../test/api';
import { EmploymentBar, EmploymentList } from './EmploymentSwitch';

const employments = [
  { employee_id: 'emp-a', employer_id: 'er-a', employer_name: 'Bakkerij De Korenschoof B.V.' },
  { employee_id: 'emp-b', employer_id: 'er-b', employer_name: 'Zorggroep De Linde' },
];

function me(id: string) {
  const current = employments.find((e) => e.employee_id === id)!;
  return {
    id,
    email: 'jan.jansen@example.nl',
    date_of_birth: '1985-04-12',
    first_name: 'Jan',
    last_name: 'Jansen',
    language: 'nl',
    account_status: 'active',
    notify_new_documents: true,
    employer_name: current.employer_name,
    dossier_contacts: { hr: null, case_manager: null },
    employments,
    security: { totp_enabled: true, recovery_codes_left: 10, mfa_required: true },
  };
}

/** Shows the current employment (GET /me) next to the switches, as Layout and Profile do. */
function Page() {
  const query = useMe();
  if (!query.data) return <p>loading</p>;
  return (
    <>
      <p data-testid="employer">{query.data.employer_name}</p>
      <EmploymentBar key={query.data.id} employments={query.data.employments} currentId={query.data.id} />
      <EmploymentList employments={query.data.employments} currentId={query.data.id} />
    </>
  );
}

describe('employment switch', () => {
  beforeAll(async () => {
    await i18n.changeLanguage('nl');
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setAccessToken(null);
  });

  it('switches with POST /auth/switch, takes the new token, forgets the cache and goes home', async () => {
    setAccessToken('token-a', false);
    let current = 'emp-a';
    const api = stubFetch({
      'GET /api/v1/me': () => json(200, me(current)),
      'POST /api/v1/auth/switch': ({ body }) => {
        current = (body as { employee_id: string }).employee_id;
        return json(200, { access_token: `token-${current}`, token_type: 'Bearer', expires_in: 900, mfa_enrolment_required: false });
      },
    });
    const user = userEvent.setup();
    renderRoutes(
      <>
        <Route path="/profile" element={<Page />} />
        <Route path="/" element={<Page />} />
      </>,
      '/profile',
    );
    expect((await screen.findByTestId('employer')).textContent).toBe('Bakkerij De Korenschoof B.V.');
    expect(screen.getByText('Nu gekozen')).toBeTruthy();

    await user.click(screen.getByRole('button', { name: 'Wissel naar Zorggroep De Linde' }));
    await waitFor(() => expect(screen.getByTestId('employer').textContent).toBe('Zorggroep De Linde'));
    expect(api.callsTo('POST', '/api/v1/auth/switch')[0].body).toEqual({ employee_id: 'emp-b' });
    expect(getAccessToken()).toBe('token-emp-b');
    expect(screen.getByTestId('location').textContent).toBe('/');
    // GET /me asked anew, with the new token.
    const gets = api.callsTo('GET', '/api/v1/me');
    expect(gets.at(-1)?.authorization).toBe('Bearer token-emp-b');

    // Back with the compact switch.
    await user.selectOptions(screen.getByLabelText('Werkgever'), 'emp-a');
    await user.click(screen.getByRole('button', { name: 'Wisselen' }));
    await waitFor(() => expect(screen.getByTestId('employer').textContent).toBe('Bakkerij De Korenschoof B.V.'));
    expect(getAccessToken()).toBe('token-emp-a');
  });
});
