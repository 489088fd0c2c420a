#!/usr/bin/env node
// Renders every screen of the built SPA in headless Chromium against a mocked API, at phone
// width (360 px), under the production CSP (vite preview sends it), and checks:
//   - no horizontal scrolling, no CSP violations, no console errors
//   - axe-core finds no WCAG 2.1 A/AA violations
// Screenshots go to $SMOKE_OUT (default /tmp/verzuim-smoke). Needs `npm run build` first and
// Chromium at $CHROMIUM (default /usr/bin/chromium). Not part of `npm test`.
import { mkdirSync } from 'node:fs';
import { preview } from 'vite';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const OUT = process.env.SMOKE_OUT || '/tmp/verzuim-smoke';
mkdirSync(OUT, { recursive: true });

const today = new Date();
const iso = (d) => d.toISOString().slice(0, 10);
const daysAgo = (n) => iso(new Date(today.getTime() - n * 86400000));

const me = {
  id: '11111111-1111-4111-8111-111111111111',
  email: 'jan.jansen@example.nl',
  date_of_birth: '1985-04-12',
  first_name: 'Jan',
  last_name: 'Jansen',
  language: 'nl',
  external_id: 'P-00042',
  account_status: 'active',
  notify_new_documents: true,
  employer_name: 'Bakkerij De Korenschoof B.V.',
  employments: [
    { employee_id: '11111111-1111-4111-8111-111111111111', employer_id: 'e1', employer_name: 'Bakkerij De Korenschoof B.V.' },
    { employee_id: '66666666-6666-4666-8666-666666666666', employer_id: 'e2', employer_name: 'Zorggroep De Linde' },
  ],
  security: { totp_enabled: true, recovery_codes_left: 2, mfa_required: true, passkeys: 0, passkeys_available: false },
};
const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const recoveryCodes = Array.from({ length: 10 }, (_, i) => `k${i}q7-a2mz-9xp${i}`);
const openAbsence = {
  id: '22222222-2222-4222-8222-222222222222',
  employee_id: me.id,
  first_sick_day: daysAgo(50),
  recovered_on: null,
  status: 'open',
  linked_to: '33333333-3333-4333-8333-333333333333',
  hours_worked_first_day: 2.5,
  counting_from: daysAgo(80),
  partial_recoveries: [{ from: daysAgo(3), percentage: 50 }],
  reported_by: 'employee',
  created_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
};
const oldAbsence = {
  id: '33333333-3333-4333-8333-333333333333',
  employee_id: me.id,
  first_sick_day: daysAgo(80),
  recovered_on: daysAgo(65),
  status: 'recovered',
  linked_to: null,
  counting_from: daysAgo(80),
  partial_recoveries: [],
  reported_by: 'employee',
  created_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
};
const milestones = [
  ['arbodienst_report', 1, 'past'],
  ['problem_analysis', 6, 'past'],
  ['plan_of_action', 8, 'past'],
  ['evaluation', 14, 'next'],
  ['uwv_notification', 42, 'upcoming'],
  ['first_year_evaluation', 46, 'upcoming', 52],
  ['uwv_letter', 88, 'upcoming'],
  ['reintegration_report_copy', 91, 'upcoming'],
  ['wia_application', 93, 'upcoming'],
  ['end_of_wage_continuation', 104, 'upcoming'],
].map(([key, week, status, weekEnd]) => ({
  key,
  week,
  week_end: weekEnd ?? null,
  due_date: daysAgo(80 - week * 7),
  due_date_end: weekEnd ? daysAgo(80 - weekEnd * 7) : null,
  status,
}));
const timeline = { absence_id: openAbsence.id, counting_from: oldAbsence.first_sick_day, current_week: 12, milestones };
const documents = {
  items: [
    {
      id: '44444444-4444-4444-8444-444444444444',
      title: 'Plan van aanpak',
      category: 'plan_of_action',
      document_date: daysAgo(20),
      content_type: 'application/pdf',
      size: 183204,
      sha256: 'ab'.repeat(32),
      file_name: 'plan-van-aanpak.pdf',
      published_by: { role: 'employer' },
      created_at: new Date().toISOString(),
      response_requested: true,
      response: null,
    },
    {
      id: '77777777-7777-4777-8777-777777777777',
      title: 'Evaluatie plan van aanpak',
      category: 'evaluation',
      document_date: daysAgo(25),
      content_type: 'application/pdf',
      size: 48000,
      sha256: 'ef'.repeat(32),
      file_name: 'evaluatie.pdf',
      published_by: { role: 'arbodienst' },
      created_at: new Date().toISOString(),
      response_requested: true,
      response: {
        id: '88888888-8888-4888-8888-888888888888',
        document_id: '77777777-7777-4777-8777-777777777777',
        agreement: 'disagree',
        own_view: 'Ik kan nog geen 4 uur per dag werken.\nEerst 2 uur, dan elke twee weken opbouwen.',
        document_sha256: 'ef'.repeat(32),
        created_at: new Date().toISOString(),
      },
    },
    {
      id: '55555555-5555-4555-8555-555555555555',
      title: 'Advies bedrijfsarts over werkhervatting in een lange titel die moet afbreken',
      category: 'medical_advice',
      document_date: daysAgo(30),
      content_type: 'application/pdf',
      size: 92000,
      sha256: 'cd'.repeat(32),
      file_name: 'advies.pdf',
      published_by: { role: 'arbodienst' },
      created_at: new Date().toISOString(),
      response_requested: false,
      response: null,
    },
  ],
  next_cursor: null,
};

function mockApi(scenario) {
  return async (route) => {
    const req = route.request();
    const path = new URL(req.url()).pathname.replace(/^\/api\/v1/, '');
    const json = (status, body, headers = {}) =>
      route.fulfill({
        status,
        headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
        body: body === undefined ? '' : JSON.stringify(body),
      });
    const problem = (status, title, extra = {}) => json(status, { type: `about:blank#${status}`, title, status, ...extra });
    if (path === '/status')
      return json(200, scenario.statusMessage ? { message: scenario.statusMessage, updated_at: new Date().toISOString() } : { message: null });
    if (path === '/auth/refresh')
      return scenario.authed
        ? json(200, { access_token: 'tok', token_type: 'Bearer', expires_in: 900, mfa_enrolment_required: !!scenario.enrol && !scenario.enrolled })
        : problem(401, 'Unauthorized');
    if (path === '/auth/login' && scenario.mfa) return json(200, { mfa_required: true, mfa_token: 'mfa', methods: ['totp', 'recovery_code'] });
    if (path === '/auth/mfa')
      return scenario.mfaExpired
        ? problem(401, 'Login step expired', { type: '/problems/mfa-token-expired' })
        : problem(401, 'Login failed', { type: '/problems/invalid-second-factor' });
    if (path === '/me/mfa/totp' && req.method() === 'DELETE') {
      if (scenario.removeFails)
        return problem(400, 'Invalid input', { type: '/problems/validation', errors: [{ field: 'recovery_code', message: 'is not an unused recovery code' }] });
      scenario.removed = true;
      return route.fulfill({ status: 204, body: '' });
    }
    if (path === '/me/mfa/totp' && req.method() === 'POST')
      return json(201, { secret, otpauth_uri: `otpauth://totp/Verzuim:${me.email}?secret=${secret}&issuer=Verzuim&algorithm=SHA1&digits=6&period=30` });
    if (path === '/me/mfa/totp/confirm') {
      scenario.enrolled = true;
      return json(200, { recovery_codes: recoveryCodes });
    }
    if (path === '/me/mfa/recovery-codes') {
      // As the server: the password alone is not enough, a code (or a recovery code) goes with it.
      const body = req.postDataJSON() ?? {};
      if (!body.code && !body.recovery_code)
        return problem(400, 'Invalid input', { type: '/problems/validation', errors: [{ field: 'code', message: 'is required' }] });
      if (scenario.newCodesFails)
        return problem(400, 'Invalid input', { type: '/problems/validation', errors: [{ field: body.code ? 'code' : 'recovery_code', message: 'is not valid' }] });
      return json(200, { recovery_codes: recoveryCodes });
    }
    if (path.startsWith('/auth/email-change/')) return problem(409, 'Conflict');
    if (path === '/auth/login') {
      const until = new Date(Date.now() + 3600_000);
      return problem(429, 'Too many failed attempts', { detail: `Blocked until ${until.toISOString()}`, blocked_until: until.toISOString() }, { 'Retry-After': '3600' });
    }
    if (path.startsWith('/activation/') && path.endsWith('/verify'))
      return json(200, { status: 'ok', login_exists: !!scenario.linking, login_has_mfa: !!scenario.linking });
    if (path.startsWith('/activation/') && scenario.linking)
      return problem(400, 'Invalid', { errors: [{ field: 'password', message: 'wrong password' }] });
    if (path === '/me' && scenario.removed) return json(200, { ...me, security: { totp_enabled: false, recovery_codes_left: 0, mfa_required: true } });
    if (path === '/me') return json(200, scenario.oneEmployer ? { ...me, employments: me.employments.slice(0, 1), security: { totp_enabled: false, recovery_codes_left: 0, mfa_required: false } } : me);
    if (path === '/me/absences')
      return json(200, { items: scenario.open === false ? [oldAbsence] : [openAbsence, oldAbsence], next_cursor: null });
    if (path === '/me/timeline') return scenario.open === false ? problem(404, 'Not Found') : json(200, timeline);
    if (path === '/me/documents') return json(200, documents);
    if (path === '/me/access-log')
      return json(200, {
        items: [
          { at: '2026-11-25T09:14:00Z', party: { role: 'arbodienst', name: 'Arbo West' }, action: 'document.uploaded', resource_type: 'document', resource_id: '00000000-0000-4000-8000-000000000001' },
          { at: '2026-11-24T15:02:00Z', party: { role: 'employer', name: 'HR-systeem' }, action: 'absence.read', resource_type: 'absence', resource_id: '00000000-0000-4000-8000-000000000002' },
        ],
        next_cursor: null,
      });
    if (/^\/me\/documents\/[^/]+\/response$/.test(path)) return problem(403, 'Confirm it is you', { type: '/problems/step-up-required' });
    return problem(404, 'Not Found');
  };
}

const pages = [
  { name: 'login', url: '/login', scenario: { authed: false } },
  { name: 'login-blocked', url: '/login', scenario: { authed: false }, act: async (p) => {
      await p.getByLabel('E-mailadres').fill('jan.jansen@example.nl');
      await p.getByLabel('Wachtwoord').fill('verkeerd wachtwoord');
      await p.getByRole('button', { name: 'Inloggen' }).click();
      await p.getByRole('alert').filter({ hasText: 'geblokkeerd' }).waitFor();
    } },
  { name: 'help', url: '/help', scenario: { authed: false, statusMessage: 'Onderhoud op zaterdag 14 juni van 07:00 tot 09:00.' }, act: async (p) => {
      for (const s of await p.locator('summary').all()) await s.click();
    } },
  { name: 'activate-step1', url: '/activate/abc', scenario: { authed: false } },
  { name: 'activate-step2', url: '/activate/abc', scenario: { authed: false }, act: async (p) => {
      await p.getByLabel('E-mailadres').fill('jan.jansen@example.nl');
      await p.getByLabel('Geboortedatum').fill('1985-04-12');
      await p.getByRole('button', { name: 'Volgende' }).click();
      await p.getByRole('heading', { name: 'Kies een wachtwoord' }).waitFor();
      await p.getByLabel('Wachtwoord', { exact: true }).fill('jan.jansen is ziek');
    } },
  { name: 'forgot', url: '/forgot-password', scenario: { authed: false } },
  { name: 'reset', url: '/reset-password/xyz', scenario: { authed: false } },
  { name: 'home-open', url: '/', scenario: { authed: true } },
  { name: 'home-none', url: '/', scenario: { authed: true, open: false } },
  { name: 'report-sick', url: '/report-sick', scenario: { authed: true, open: false } },
  { name: 'recovery', url: '/recovery', scenario: { authed: true } },
  { name: 'absences', url: '/absences', scenario: { authed: true } },
  { name: 'dossier', url: '/dossier', scenario: { authed: true } },
  { name: 'dossier-answer-errors', url: '/dossier', scenario: { authed: true }, act: async (p) => {
      await p.getByRole('button', { name: 'Antwoord versturen' }).click();
      await p.getByText('Kies of je akkoord gaat of niet.').waitFor();
      await p.getByLabel('Niet akkoord').check();
      await p.getByLabel(/^Je eigen visie/).fill('x'.repeat(4010));
      await p.getByRole('button', { name: 'Antwoord versturen' }).click();
      await p.locator('.field__error').filter({ hasText: 'te lang' }).waitFor();
    } },
  { name: 'dossier-answer-step-up', url: '/dossier', scenario: { authed: true }, act: async (p) => {
      await p.getByLabel('Niet akkoord').check();
      await p.getByLabel(/^Je eigen visie/).fill('Eerst 2 uur per dag.');
      await p.getByRole('button', { name: 'Antwoord versturen' }).click();
      await p.getByRole('heading', { name: 'Bevestig dat jij het bent' }).waitFor();
    } },
  { name: 'dossier-en', url: '/dossier', scenario: { authed: true }, locale: 'en-GB', meOverride: true },
  { name: 'profile', url: '/profile', scenario: { authed: true } },
  { name: 'home-en', url: '/', scenario: { authed: true }, locale: 'en-GB', meOverride: true },
  { name: 'login-code', url: '/login', scenario: { authed: false, mfa: true }, act: async (p) => {
      await p.getByLabel('E-mailadres').fill('jan.jansen@example.nl');
      await p.getByLabel('Wachtwoord').fill('paarse fiets op de dijk');
      await p.getByRole('button', { name: 'Inloggen' }).click();
      await p.getByLabel('Code van 6 cijfers').fill('123456');
      await p.getByRole('button', { name: 'Bevestigen' }).click();
      await p.locator('.field__error').filter({ hasText: 'klopt niet' }).waitFor();
    } },
  { name: 'login-recovery-code', url: '/login', scenario: { authed: false, mfa: true }, act: async (p) => {
      await p.getByLabel('E-mailadres').fill('jan.jansen@example.nl');
      await p.getByLabel('Wachtwoord').fill('paarse fiets op de dijk');
      await p.getByRole('button', { name: 'Inloggen' }).click();
      await p.getByRole('button', { name: 'Gebruik een herstelcode' }).click();
      await p.getByLabel('Herstelcode').fill('k0q7-a2mz-9xp0');
    } },
  { name: 'login-code-expired', url: '/login', scenario: { authed: false, mfa: true, mfaExpired: true }, act: async (p) => {
      await p.getByLabel('E-mailadres').fill('jan.jansen@example.nl');
      await p.getByLabel('Wachtwoord').fill('paarse fiets op de dijk');
      await p.getByRole('button', { name: 'Inloggen' }).click();
      await p.getByLabel('Code van 6 cijfers').fill('123456');
      await p.getByRole('button', { name: 'Bevestigen' }).click();
      await p.getByRole('alert').filter({ hasText: 'inlogstap is verlopen' }).waitFor();
      await p.getByLabel('Wachtwoord').waitFor();
    } },
  { name: 'security-setup', url: '/dossier', scenario: { authed: true, enrol: true }, act: async (p) => {
      await p.waitForURL(/\/security\/setup$/);
      await p.getByRole('img').waitFor();
    } },
  { name: 'security-setup-codes', url: '/security/setup', scenario: { authed: true, enrol: true }, act: async (p) => {
      await p.getByLabel('Code van 6 cijfers').fill('123456');
      await p.getByRole('button', { name: 'Bevestigen' }).click();
      await p.getByRole('heading', { name: 'Bewaar je herstelcodes' }).waitFor();
      await p.getByRole('button', { name: 'Verder' }).click();
      await p.getByText('Zet een vinkje').waitFor();
    } },
  { name: 'profile-security', url: '/profile', scenario: { authed: true }, act: async (p) => {
      await p.getByText('Nieuwe herstelcodes maken').click();
      await p.getByText('Authenticator-app verwijderen').click();
    } },
  { name: 'profile-new-codes-wrong-code', url: '/profile', scenario: { authed: true, newCodesFails: true }, act: async (p) => {
      const box = p.locator('details', { has: p.locator('summary', { hasText: 'Nieuwe herstelcodes maken' }) });
      await box.locator('summary').click();
      await box.getByLabel('Huidig wachtwoord').fill('paarse fiets op de dijk');
      // The password alone: the form asks for the code before sending.
      await box.getByRole('button', { name: 'Nieuwe codes maken' }).click();
      await box.locator('.field__error').filter({ hasText: 'Vul dit veld in.' }).waitFor();
      await box.getByLabel('Code van 6 cijfers').fill('123456');
      await box.getByRole('button', { name: 'Nieuwe codes maken' }).click();
      await box.locator('.field__error').filter({ hasText: 'Deze code klopt niet' }).waitFor();
    } },
  { name: 'profile-new-codes', url: '/profile', scenario: { authed: true }, act: async (p) => {
      const box = p.locator('details', { has: p.locator('summary', { hasText: 'Nieuwe herstelcodes maken' }) });
      await box.locator('summary').click();
      await box.getByLabel('Huidig wachtwoord').fill('paarse fiets op de dijk');
      await box.getByLabel('Code van 6 cijfers').fill('123456');
      await box.getByRole('button', { name: 'Nieuwe codes maken' }).click();
      await p.getByRole('heading', { name: 'Je nieuwe herstelcodes' }).waitFor();
    } },
  { name: 'profile-remove-recovery', url: '/profile', scenario: { authed: true, removeFails: true }, act: async (p) => {
      const box = p.locator('details', { has: p.locator('summary', { hasText: 'Authenticator-app verwijderen' }) });
      await box.locator('summary').click();
      await box.getByLabel('Huidig wachtwoord').fill('paarse fiets op de dijk');
      await box.getByRole('button', { name: 'Ik ben mijn telefoon kwijt: gebruik een herstelcode' }).click();
      await box.getByLabel('Herstelcode').fill('k0q7-a2mz-9xp0');
      await box.getByRole('button', { name: 'App verwijderen' }).click();
      await box.locator('.field__error').filter({ hasText: 'herstelcode klopt niet' }).waitFor();
    } },
  { name: 'profile-removed', url: '/profile', scenario: { authed: true }, act: async (p) => {
      const box = p.locator('details', { has: p.locator('summary', { hasText: 'Authenticator-app verwijderen' }) });
      await box.locator('summary').click();
      await box.getByLabel('Huidig wachtwoord').fill('paarse fiets op de dijk');
      await box.getByRole('button', { name: 'Ik ben mijn telefoon kwijt: gebruik een herstelcode' }).click();
      await box.getByLabel('Herstelcode').fill('k0q7-a2mz-9xp0');
      await box.getByRole('button', { name: 'App verwijderen' }).click();
      await p.getByRole('status').filter({ hasText: 'De authenticator-app is verwijderd' }).waitFor();
      await p.getByRole('link', { name: 'Authenticator-app instellen' }).waitFor();
    } },
  { name: 'profile-no-totp', url: '/profile', scenario: { authed: true, oneEmployer: true } },
  { name: 'activate-link', url: '/activate/abc', scenario: { authed: false, linking: true }, act: async (p) => {
      await p.getByLabel('E-mailadres').fill('jan.jansen@example.nl');
      await p.getByLabel('Geboortedatum').fill('1985-04-12');
      await p.getByRole('button', { name: 'Volgende' }).click();
      await p.getByLabel('Je huidige wachtwoord').fill('verkeerd');
      await p.getByLabel('Code van 6 cijfers').fill('123456');
      await p.getByRole('button', { name: 'Werkgever toevoegen' }).click();
      await p.locator('.field__error').filter({ hasText: 'klopt niet' }).first().waitFor();
    } },
  { name: 'confirm-email', url: '/confirm-email/tok', scenario: { authed: false } },
  { name: 'confirm-email-taken', url: '/confirm-email/tok', scenario: { authed: false }, act: async (p) => {
      await p.getByRole('button', { name: 'E-mailadres bevestigen' }).click();
      await p.getByText('hoort al bij een andere').waitFor();
    } },
  { name: 'help-en', url: '/help', scenario: { authed: false }, locale: 'en-GB', act: async (p) => {
      for (const s of await p.locator('summary').all()) await s.click();
    } },
  { name: 'desktop-home', url: '/', scenario: { authed: true }, width: 1280 },
];

const server = await preview({ preview: { port: 4179, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' });
const base = 'http://127.0.0.1:4179';
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

let failures = 0;
for (const p of pages) {
  const width = p.width ?? 360;
  const context = await browser.newContext({ viewport: { width, height: 780 }, locale: p.locale ?? 'nl-NL' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/the server responded with a status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const scenario = p.meOverride ? { ...p.scenario } : p.scenario;
  if (p.meOverride) me.language = 'en';
  await page.route('**/api/v1/**', mockApi(scenario));
  await page.goto(base + p.url);
  await page.locator('h1').first().waitFor();
  await page.waitForLoadState('networkidle');
  if (p.act) await p.act(page);
  await page.waitForTimeout(150);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  if (scrollWidth > width) problems.push(`horizontal scroll: ${scrollWidth}px > ${width}px`);
  const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  for (const v of axe.violations) problems.push(`axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  await page.screenshot({ path: `${OUT}/${p.name}.png`, fullPage: true });
  if (p.meOverride) me.language = 'nl';
  console.log(`${problems.length ? 'FAIL' : 'ok  '} ${p.name} ${p.url}`);
  for (const pr of problems) console.log(`     ${pr}`);
  failures += problems.length ? 1 : 0;
  await context.close();
}
await browser.close();
await new Promise((r) => server.httpServer.close(r));
console.log(`${pages.length - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
