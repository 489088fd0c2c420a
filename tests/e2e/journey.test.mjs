// The employee journey of the product FAQ, end to end: real release server (SQLite), real SMTP
// capture, Debian's Chromium. Run through run.sh (it builds what is missing and sets the paths).
//
// For each device (360×740 phone, 1280×800 desktop) and language (nl with browser locale nl-NL,
// en with browser locale en-US): the employer creates and invites an employee through the API;
// the employee opens the link from the received e-mail, fails the identity check once, passes
// it, chooses a password (policy feedback, the server's common-password verdict), logs in, sets
// up two-step login (the employer's default policy requires it: QR code and key, a TOTP code
// computed here, the recovery codes once), sees home ("Ziek melden"), reports sick, answers the
// employer's plan of action in the dossier ("niet akkoord" with an own view, after "confirm it
// is you"; the employer reads it back), sees the timeline 50 days on (the absence moved back in
// the database: one step done, one late), the other screens, the
// employer's data and the security state in the profile, makes new recovery codes (with the
// password and a code), switches language; logs out; logs in with password and code (a wrong
// code first); is blocked after 3 wrong passwords and sees until when; resets the password from
// the e-mail link; logs in with the new one (still with the code: the reset keeps the factors);
// logs in once with a recovery code; adds a passkey in the profile (Chromium's virtual
// authenticator), logs in with the password and the passkey, then with the passkey alone, and
// removes it after "confirm it is you" (step-up); a second employer invites the same address,
// which is linked to the login with its password and code; switches between the two
// employments; logs out. A second, short test enrols with a passkey instead of the app.
// The browser opens http://localhost:<port> (the server's public URL): a passkey's relying
// party must be a host name, never an IP address.
// Every screen: axe WCAG 2.1 A/AA without violations, no horizontal scroll at 360 px, no CSP
// violation, a screenshot in screenshots/<device>-<lang>/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSmtpCapture } from './support/smtp.mjs';
import { employerSession, repoRoot, startServer } from './support/server.mjs';
import { launchBrowser, openDevice } from './support/browser.mjs';
import { totpSession } from './support/totp.mjs';

const locales = {
  nl: JSON.parse(readFileSync(join(repoRoot, 'frontend/src/i18n/locales/nl.json'), 'utf8')),
  en: JSON.parse(readFileSync(join(repoRoot, 'frontend/src/i18n/locales/en.json'), 'utf8')),
};

/** The SPA's own translation of `key` (so the tests follow copy changes). */
function tr(lang, key, vars = {}) {
  const s = key.split('.').reduce((o, k) => o?.[k], locales[lang]);
  if (typeof s !== 'string') throw new Error(`no translation ${lang}:${key}`);
  return s.replace(/\{\{\s*(\w+)\s*\}\}/g, (m, v) => (v in vars ? String(vars[v]) : m));
}

/** The part of a translation before its first placeholder. */
function prefix(lang, key) {
  return tr(lang, key).split('{{')[0].trim();
}

const SUBJECTS = {
  invitation: { nl: 'Activeer je account bij Verzuim', en: 'Activate your Verzuim account' },
  reset: { nl: 'Nieuw wachtwoord instellen', en: 'Set a new password' },
  document: { nl: 'Nieuw document in je dossier', en: 'New document in your dossier' },
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const DEVICES = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
];
const LANGUAGES = [
  { lang: 'nl', locale: 'nl-NL' },
  { lang: 'en', locale: 'en-US' },
];

let smtp;
let server;
let browser;
let employer;
/** A second employer, for the employee of two employers with one login (SPEC §8). */
let employer2;

before(async () => {
  smtp = await startSmtpCapture();
  server = await startServer({ smtpPort: smtp.port });
  employer = await employerSession(server, 'Bakkerij De Korenschoof B.V.');
  employer2 = await employerSession(server, 'Zorggroep De Linde');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.close();
});

describe('server basics', () => {
  test('serves the SPA with the strict CSP and deep links', async () => {
    for (const path of ['/', '/activate/some-token', '/reset-password/x', '/login']) {
      const res = await fetch(`${server.baseUrl}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, path);
      assert.equal(res.headers.get('content-security-policy'), CSP, path);
      assert.match(await res.text(), /<div id="root">/, path);
    }
  });

  test('the employee endpoints want a session (401 problem+json, not the SPA)', async () => {
    for (const path of ['/api/v1/me/absences', '/api/v1/me/timeline', '/api/v1/me/documents']) {
      const res = await fetch(`${server.baseUrl}${path}`);
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/, path);
    }
  });
});

// The whole journey in all four combinations. E2E_QUICK=1 keeps it whole only at 360×740 in
// Dutch and 1280×800 in English; the other two then run the core (activation, login, sick
// report, timeline, dossier, recovery, my absences, log out).
const FULL = new Set(['360x740-nl', '1280x800-en']);

for (const { width, height } of DEVICES) {
  for (const { lang, locale } of LANGUAGES) {
    const device = `${width}x${height}-${lang}`;
    const full = FULL.has(device) || process.env.E2E_QUICK !== '1';
    // Two-step login may wait for a fresh 30-s TOTP window now and then.
    test(`employee journey ${device}${full ? '' : ' (core)'}`, { timeout: full ? 420_000 : 300_000 }, async () => {
      await journey({ width, height, lang, locale, device, full });
    });
  }
}

// A passkey as the first and only second factor: the enrolment that the employer's policy asks
// for, then logins with it. Short; at 360×740 in Dutch and 1280×800 in English.
for (const { width, height, lang, locale } of [
  { width: 360, height: 740, lang: 'nl', locale: 'nl-NL' },
  { width: 1280, height: 800, lang: 'en', locale: 'en-US' },
]) {
  const device = `${width}x${height}-${lang}`;
  test(`passkey enrolment ${device}`, { timeout: 180_000 }, async () => {
    await passkeyEnrolment({ width, height, lang, locale, device });
  });
}

/** Today in the browser's time zone (Europe/Amsterdam), YYYY-MM-DD. */
function todayIso() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
}

/** A small valid PDF with `text` in it. */
function pdf(text) {
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/**
 * Chromium's virtual authenticator (CDP WebAuthn domain) on `page`: a platform authenticator
 * with resident keys and user verification that answers every ceremony at once, as a phone's
 * fingerprint would.
 */
async function addVirtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    remove: async () => {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
      await cdp.detach();
    },
  };
}

const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A number as the SPA writes it (4.000 in Dutch, 4,000 in English). */
function formatNumber(lang, n) {
  return new Intl.NumberFormat(lang === 'nl' ? 'nl-NL' : 'en-GB').format(n);
}

/** A YYYY-MM-DD day as the SPA writes it ("1 december 2026"). */
function formatLongDate(lang, iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(y, m - 1, d),
  );
}

async function journey({ width, height, lang, locale, device, full }) {
  const T = (key, vars) => tr(lang, key, vars);
  const other = lang === 'nl' ? 'en' : 'nl';
  const email = `sanne.${lang}${width}@medewerker.example`;
  const dob = '1985-04-12';
  const firstName = 'Sanne';
  const lastName = lang === 'nl' ? 'de Boer' : 'Baker';
  const externalId = `P-${device}`;
  const password = 'paarse fiets op de dijk 7';
  const newPassword = 'groene kano in de gracht 42';

  // ── The employer creates and invites the employee (employer API) ──
  const created = await employer.call('POST', '/api/v1/employees', {
    email,
    date_of_birth: dob,
    first_name: firstName,
    last_name: lastName,
    language: lang,
    external_id: externalId,
  });
  assert.equal(created.status, 201, `POST /employees: ${created.raw}`);
  const mailsBefore = smtp.count();
  // The employer names whom employees ask about their dossier (SPEC §2.8).
  const hr = { name: 'Anna de Vries', email: 'hr@bakkerij.example', phone: '+31 20 123 4567' };
  const contacts = await employer.call('PATCH', '/api/v1/employer', { hr_contact: hr });
  assert.equal(contacts.status, 200, `dossier contacts: ${contacts.raw}`);
  const invited = await employer.call('POST', `/api/v1/employees/${created.body.id}/invitation`);
  assert.equal(invited.status, 202, `POST /employees/{id}/invitation: ${invited.raw}`);
  const invitation = await smtp.waitFor(email, (m) => m.subject === SUBJECTS.invitation[lang], { since: mailsBefore });
  const activationLink = invitation.links.find((l) => l.startsWith(`${server.baseUrl}/activate/`));
  assert.ok(activationLink, `activation link in the invitation: ${invitation.links.join(' ')}`);

  const dev = await openDevice(browser, { width, height, locale, name: device });
  const { page, checkScreen } = dev;
  const alertError = page.locator('.alert--error');
  const alertSuccess = page.locator('.alert--success');
  const heading = page.locator('h1');
  const nav = page.getByRole('navigation');
  const field = (label) => page.getByLabel(label, { exact: true });

  /** The password step of a login whose second factor is set up: resolves to the challenge. */
  async function passwordStep(pw) {
    await field(T('fields.email')).fill(email);
    await field(T('fields.password')).fill(pw);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
    await page.getByRole('button', { name: T('login.submit'), exact: true }).click();
    const res = await answer;
    assert.equal(res.status(), 200, `login: ${await res.text()}`);
    const body = await res.json();
    assert.equal(body.mfa_required, true, `a challenge, not a token: ${JSON.stringify(body)}`);
    assert.equal(typeof body.mfa_token, 'string');
    assert.equal(body.access_token, undefined, 'no access token before the second factor');
    for (const m of ['totp', 'recovery_code']) assert.ok(body.methods.includes(m), `methods ${body.methods}`);
    await page.getByRole('heading', { name: T('login.mfa.title') }).waitFor();
    return body;
  }

  /** The second step with `answer` ({ code } or { recoveryCode }); resolves to POST /auth/mfa's answer. */
  async function secondStep({ code, recoveryCode }) {
    if (recoveryCode !== undefined) await field(T('login.mfa.recoveryLabel')).fill(recoveryCode);
    else await field(T('login.mfa.codeLabel')).fill(code);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/mfa'));
    await page.getByRole('button', { name: T('login.mfa.submit') }).click();
    return answer;
  }

  /** A whole login with password and the app's next code, ending at home. */
  async function loginWithCode(pw, totp) {
    await passwordStep(pw);
    const res = await secondStep({ code: await totp.next() });
    assert.equal(res.status(), 200, `POST /auth/mfa: ${await res.text()}`);
    assert.equal((await res.json()).mfa_enrolment_required, false);
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();
  }

  try {
    // ── Activation: open the link from the e-mail ──
    const doc = await page.goto(activationLink);
    assert.equal(doc.headers()['content-security-policy'], CSP);
    await heading.filter({ hasText: T('activate.title') }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), lang, 'language from the browser locale');
    await checkScreen('activate-details');

    // Wrong date of birth: the message never says which field.
    await field(T('fields.email')).fill(email);
    await field(T('fields.dateOfBirth')).fill('1985-04-13');
    await page.getByRole('button', { name: T('activate.step1Submit') }).click();
    await alertError.filter({ hasText: T('activate.mismatch') }).waitFor();
    await checkScreen('activate-mismatch');

    await field(T('fields.dateOfBirth')).fill(dob);
    await page.getByRole('button', { name: T('activate.step1Submit') }).click();
    await page.getByRole('heading', { name: T('activate.step2Title') }).waitFor();
    assert.equal(await alertError.count(), 0, 'the mismatch message is gone');

    // Live policy feedback.
    const rule = (r) => page.locator('.password-rules li').filter({ hasText: T(`password.rules.${r}`) });
    await field(T('fields.password')).fill('kort');
    assert.match((await rule('min_length').getAttribute('class')) ?? '', /rule--todo/);
    await field(T('fields.password')).fill(`${email.split('@')[0]}-wachtwoord`);
    assert.match((await rule('min_length').getAttribute('class')) ?? '', /rule--ok/);
    assert.match((await rule('not_email').getAttribute('class')) ?? '', /rule--todo/);
    await checkScreen('activate-password-rules');

    // A common password: only the server knows the list; its verdict is shown translated.
    await field(T('fields.password')).fill('1234567890');
    await field(T('fields.confirmPassword')).fill('1234567890');
    await page.getByRole('button', { name: T('activate.step2Submit') }).click();
    await page.locator('.field__error').filter({ hasText: T('password.serverCommon') }).waitFor();
    await checkScreen('activate-common-password');

    await field(T('fields.password')).fill(password);
    await field(T('fields.confirmPassword')).fill(password);
    for (const r of ['min_length', 'max_length', 'not_email', 'matches']) {
      assert.match((await rule(r).getAttribute('class')) ?? '', /rule--ok/, r);
    }
    await page.getByRole('button', { name: T('activate.step2Submit') }).click();
    await page.waitForURL(/\/login\?activated=1/);
    await alertSuccess.filter({ hasText: T('login.activated') }).waitFor();
    assert.equal(await field(T('fields.email')).inputValue(), email);
    await checkScreen('login-activated');

    // ── First login: the employer requires two-step login (its default), so the token reaches
    // only the enrolment until an authenticator app is set up ──
    await field(T('fields.password')).fill(password);
    const firstLogin = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
    await page.getByRole('button', { name: T('login.submit'), exact: true }).click();
    const firstLoginRes = await firstLogin;
    assert.equal(firstLoginRes.status(), 200, `first login: ${await firstLoginRes.text()}`);
    const firstToken = await firstLoginRes.json();
    assert.equal(typeof firstToken.access_token, 'string', 'a login without a second factor gets a token');
    assert.equal(firstToken.mfa_enrolment_required, true, `mfa_enrolment_required: ${JSON.stringify(firstToken)}`);
    assert.equal('mfa_required' in firstToken, false, 'no challenge before a factor exists');
    await page.waitForURL(`${server.baseUrl}/security/setup`);
    await heading.filter({ hasText: T('security.setup.title') }).waitFor();
    // The server offers passkeys (its public URL names a host): the page first asks which second
    // factor, and starts neither before the choice.
    const choiceHeading = page.getByRole('heading', { name: T('security.setup.choice.title') });
    await choiceHeading.waitFor();
    await page.getByText(T('security.setup.choice.requiredIntro')).waitFor();
    await checkScreen('mfa-setup-choice');
    // Every other page leads back here, also after a reload (the refresh keeps the flag). Each
    // visit starts the enrolment anew, so the secret is read from the visit that completes it.
    await page.goto(`${server.baseUrl}/dossier`);
    await page.waitForURL(`${server.baseUrl}/security/setup`);
    await choiceHeading.waitFor();
    // This journey takes the authenticator app (passkeys follow in the profile; the passkey
    // enrolment has a test of its own).
    const enrolled = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/mfa/totp') && r.request().method() === 'POST');
    await page.getByRole('link', { name: T('security.setup.choice.appButton') }).click();
    await page.waitForURL(`${server.baseUrl}/security/setup?method=app`);
    const enrolRes = await enrolled;
    assert.equal(enrolRes.status(), 201, `POST /me/mfa/totp: ${await enrolRes.text()}`);
    const enrolment = await enrolRes.json();
    const limitedAuth = enrolRes.request().headers().authorization;
    // The limited token: GET /me yes (security state), any other employee route 403.
    const meLimited = await fetch(`${server.baseUrl}/api/v1/me`, { headers: { Authorization: limitedAuth } });
    assert.equal(meLimited.status, 200, 'GET /me with the enrolment token');
    const meLimitedBody = await meLimited.json();
    assert.deepEqual(
      { totp_enabled: meLimitedBody.security?.totp_enabled, mfa_required: meLimitedBody.security?.mfa_required },
      { totp_enabled: false, mfa_required: true },
      `security: ${JSON.stringify(meLimitedBody.security)}`,
    );
    const absencesLimited = await fetch(`${server.baseUrl}/api/v1/me/absences`, { headers: { Authorization: limitedAuth } });
    assert.equal(absencesLimited.status, 403, 'GET /me/absences with the enrolment token');
    assert.match((await absencesLimited.json()).type ?? '', /\/problems\/mfa-enrolment-required$/);
    // No menu to pages the token cannot reach; the page says why in plain words.
    assert.equal(await nav.getByRole('link', { name: T('nav.dossier') }).count(), 0, 'no menu during the enrolment');
    await page.getByText(T('security.setup.requiredIntro')).waitFor();
    await page.getByRole('link', { name: T('security.setup.usePasskey') }).waitFor();
    const qr = page.getByRole('img', { name: T('security.setup.qrAlt') });
    await qr.waitFor();
    assert.match((await qr.getAttribute('src')) ?? '', /^data:image\/svg\+xml/, 'the QR code is a data: image');
    // The key as an authenticator app needs it when typed by hand, grouped in fours.
    const shownSecret = (await page.locator('.totp-secret').textContent()).trim();
    assert.match(shownSecret, /^[A-Z2-7=]{1,4}( [A-Z2-7=]{1,4})*$/, `key shown as ${shownSecret}`);
    const secret = shownSecret.replace(/\s+/g, '');
    assert.equal(secret, enrolment.secret.replace(/\s+/g, '').toUpperCase(), 'the page shows the secret of the enrolment');
    const uri = new URL(enrolment.otpauth_uri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), `/Verzuim:${email}`);
    assert.equal(uri.searchParams.get('secret'), enrolment.secret);
    assert.equal(uri.searchParams.get('issuer'), 'Verzuim');
    for (const [k, v] of [['algorithm', 'SHA1'], ['digits', '6'], ['period', '30']]) {
      assert.equal(uri.searchParams.get(k) ?? v, v, k);
    }
    await checkScreen('mfa-setup');
    const totp = totpSession(secret);
    const codeField = () => field(T('login.mfa.codeLabel'));

    // A wrong code: the field says so.
    await codeField().fill(totp.wrong());
    let confirmed = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/mfa/totp/confirm'));
    await page.getByRole('button', { name: T('security.setup.confirm') }).click();
    assert.equal((await confirmed).status(), 400, 'a wrong code at the confirmation');
    await page.locator('.field__error').filter({ hasText: T('security.setup.wrongCode') }).waitFor();
    await checkScreen('mfa-setup-wrong-code');

    await codeField().fill(await totp.next());
    confirmed = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/mfa/totp/confirm'));
    await page.getByRole('button', { name: T('security.setup.confirm') }).click();
    const confirmedRes = await confirmed;
    assert.equal(confirmedRes.status(), 200, `POST /me/mfa/totp/confirm: ${await confirmedRes.text()}`);
    let recoveryCodes = (await confirmedRes.json()).recovery_codes;
    assert.equal(recoveryCodes.length, 10, `recovery codes: ${JSON.stringify(recoveryCodes)}`);
    assert.equal(new Set(recoveryCodes).size, 10, 'ten different recovery codes');
    for (const c of recoveryCodes) assert.match(c, /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/i, `recovery code ${c}`);
    await page.getByRole('heading', { name: T('security.codes.title') }).waitFor();
    const shownCodes = await page.locator('.recovery-codes__list li').allTextContents();
    assert.deepEqual(shownCodes.map((c) => c.trim()), recoveryCodes, 'the page lists the ten codes');
    await checkScreen('mfa-recovery-codes');
    // "Continue" wants the box ticked; then a refresh turns the token into a full one.
    await page.getByRole('button', { name: T('security.codes.continue') }).click();
    await page.locator('.field__error').filter({ hasText: T('security.codes.confirmRequired') }).waitFor();
    await page.getByLabel(T('security.codes.saved'), { exact: true }).check();
    const upgraded = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
    await page.getByRole('button', { name: T('security.codes.continue') }).click();
    const upgradedRes = await upgraded;
    assert.equal(upgradedRes.status(), 200, `refresh after the enrolment: ${await upgradedRes.text()}`);
    assert.equal((await upgradedRes.json()).mfa_enrolment_required, false, 'a full token after the enrolment');

    // ── Home without an absence shows "Ziek melden" ──
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();
    await page.getByRole('link', { name: T('home.reportSick') }).waitFor();
    await page.getByText(T('home.noOpenAbsence')).waitFor();
    await checkScreen('home');

    // The refresh token is an HttpOnly, Secure, SameSite=Strict cookie the browser keeps on
    // http://localhost and sends back: a reload restores the session.
    const cookie = (await dev.context.cookies(server.baseUrl + '/api/v1/auth/refresh')).find(
      (c) => c.name === 'verzuim_refresh',
    );
    assert.ok(cookie, 'the browser stored the verzuim_refresh cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/api/v1/auth');
    assert.equal(await page.evaluate(() => document.cookie), '', 'no cookie readable by scripts');
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no token in web storage');
    await page.reload();
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();

    // ── Report sick: first sick day today, hours worked, a phone number ──
    const today = todayIso();
    const optionalField = (label) => page.getByLabel(new RegExp(`^${escapeRe(label)}\\s*\\(`));
    await page.getByRole('link', { name: T('home.reportSick') }).click();
    await heading.filter({ hasText: T('report.title') }).waitFor();
    assert.equal(await field(T('report.firstSickDay')).inputValue(), today, 'first sick day defaults to today');
    assert.equal(await field(T('report.firstSickDay')).getAttribute('max'), today, 'no future first sick day');
    await checkScreen('report-sick');
    await optionalField(T('report.hoursWorked')).fill('4.5');
    await optionalField(T('report.phone')).fill('+31 6 12345678');
    const reported = page.waitForResponse(
      (r) => r.url().endsWith('/api/v1/me/absences') && r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: T('report.submit') }).click();
    const reportedRes = await reported;
    assert.equal(reportedRes.status(), 201, `POST /me/absences: ${await reportedRes.text()}`);
    const absence = await reportedRes.json();
    assert.equal(absence.first_sick_day, today);
    assert.equal(absence.hours_worked_first_day, 4.5);
    assert.equal(absence.phone, '+31 6 12345678');
    assert.equal(absence.status, 'open');
    // The optional questions left unanswered stay unanswered.
    for (const k of ['care_address', 'expected_duration', 'safety_net', 'occupational_accident', 'third_party_accident']) {
      assert.equal(absence[k] ?? null, null, k);
    }

    // ── Home: the open absence with "Hersteld melden" and the Poortwachter timeline ──
    await page.waitForURL(/\/\?done=reported/);
    await alertSuccess.filter({ hasText: T('home.justReported') }).waitFor();
    await page.getByRole('link', { name: T('home.reportRecovered') }).waitFor();
    assert.equal(await page.getByRole('link', { name: T('home.reportSick'), exact: true }).count(), 0);
    await page.getByRole('heading', { name: T('timeline.title') }).waitFor();
    const milestones = page.locator('.timeline__list > li');
    assert.ok((await milestones.count()) >= 10, `milestones: ${await milestones.count()}`);
    assert.equal(await page.locator('.timeline__list > li[aria-current="step"]').count(), 1, 'exactly one due');
    assert.equal(await page.locator('.timeline__list > li[data-status="due"]').count(), 1, 'exactly one due');
    const next = page.locator('.timeline__list > li[aria-current="step"]');
    assert.ok((await next.textContent()).includes(T('timeline.milestones.arbodienst_report')), 'week 1 is next');
    await checkScreen('home-absence-timeline');

    // A second sick report while one is open: the form is not offered.
    await page.goto(`${server.baseUrl}/report-sick`);
    await page.locator('.alert--info').filter({ hasText: T('report.alreadyOpen') }).waitFor();
    await checkScreen('report-sick-already-open');

    // ── The employer publishes one visible and one hidden document ──
    const visiblePdf = pdf(`Plan van aanpak ${device}`);
    const visibleTitle = lang === 'nl' ? 'Plan van aanpak' : 'Plan of action';
    const hiddenTitle = lang === 'nl' ? 'Intern memo werkgever' : 'Internal employer memo';
    const mailsBeforeDocs = smtp.count();
    const upVisible = await employer.upload(created.body.id, {
      bytes: visiblePdf,
      fileName: 'plan-van-aanpak.pdf',
      title: visibleTitle,
      category: 'plan_of_action',
      documentDate: today,
      visible: true,
      // The employee is asked to agree or not (SPEC §9).
      responseRequested: true,
    });
    assert.equal(upVisible.status, 201, `upload visible: ${upVisible.raw}`);
    assert.equal(upVisible.body.response_requested, true, 'the plan of action asks an answer');
    const upHidden = await employer.upload(created.body.id, {
      bytes: pdf('hidden'),
      fileName: 'memo.pdf',
      title: hiddenTitle,
      category: 'correspondence',
      documentDate: today,
      visible: false,
    });
    assert.equal(upHidden.status, 201, `upload hidden: ${upHidden.raw}`);
    // The employee is told by e-mail (a link to the portal, never the document or its title).
    const docMail = await smtp.waitFor(email, (m) => m.subject === SUBJECTS.document[lang], { since: mailsBeforeDocs });
    assert.ok(docMail.links.some((l) => l.startsWith(server.baseUrl)), `portal link: ${docMail.links.join(' ')}`);
    assert.ok(!`${docMail.text}${docMail.html}`.includes(hiddenTitle), 'no mail about the hidden document');

    // ── Dossier: the visible document only; downloading it works ──
    const docsAnswer = page.waitForResponse((r) => /\/api\/v1\/me\/documents(\?|$)/.test(r.url()));
    await nav.getByRole('link', { name: T('nav.dossier') }).click();
    await heading.filter({ hasText: T('dossier.title') }).waitFor();
    const employeeAuth = (await docsAnswer).request().headers().authorization;
    const cards = page.locator('.document');
    await cards.filter({ hasText: visibleTitle }).waitFor();
    assert.equal(await cards.count(), 1, 'one document in the dossier');
    assert.equal(await page.getByText(hiddenTitle).count(), 0, 'the hidden document is not shown');
    const meta = await cards.first().locator('.small').textContent();
    assert.ok(meta.includes(T('dossier.categories.plan_of_action')), `category in ${meta}`);
    assert.ok(meta.includes(T('dossier.authors.employer')), `author role in ${meta}`);
    // The plan of action asks "Ga je akkoord met dit plan van aanpak?": two choices, an own view.
    const planCard = cards.filter({ hasText: visibleTitle });
    const question = planCard.getByRole('group', { name: T('dossier.answer.questionPlan') });
    await question.waitFor();
    assert.equal(await question.getByRole('radio').count(), 2, 'akkoord / niet akkoord');
    const ownViewField = planCard.getByLabel(new RegExp(`^${escapeRe(T('dossier.answer.ownView'))}\\s*\\(`));
    await planCard.getByText(T('dossier.answer.charsLeft_other', { left: formatNumber(lang, 4000) }), { exact: true }).waitFor();
    const ask = page.locator('.contacts');
    await ask.getByText(hr.name).waitFor();
    assert.equal(await ask.getByRole('link', { name: hr.email }).getAttribute('href'), `mailto:${hr.email}`);
    assert.equal(await ask.getByRole('link', { name: hr.phone }).getAttribute('href'), 'tel:+31201234567');
    await checkScreen('dossier');
    const downloadEvent = page.waitForEvent('download');
    const contentAnswer = page.waitForResponse((r) => r.url().endsWith(`/api/v1/me/documents/${upVisible.body.id}/content`));
    await page.getByRole('button', { name: T('dossier.downloadLabel', { title: visibleTitle }) }).click();
    assert.equal((await contentAnswer).status(), 200);
    const download = await downloadEvent;
    assert.match(download.suggestedFilename(), /\.pdf$/, download.suggestedFilename());
    const downloadedPath = await download.path();
    assert.ok(readFileSync(downloadedPath).equals(visiblePdf), 'the downloaded file is the uploaded PDF');
    assert.equal(await alertError.count(), 0, 'no download error');
    // The hidden one is invisible in every way for the employee (API, with the SPA's token).
    for (const path of [`/api/v1/me/documents/${upHidden.body.id}`, `/api/v1/me/documents/${upHidden.body.id}/content`]) {
      const r = await fetch(`${server.baseUrl}${path}`, { headers: { Authorization: employeeAuth } });
      assert.equal(r.status, 404, `${path} for the employee`);
    }
    const listed = await fetch(`${server.baseUrl}/api/v1/me/documents`, { headers: { Authorization: employeeAuth } });
    assert.deepEqual((await listed.json()).items.map((d) => d.id), [upVisible.body.id]);

    // ── The employee answers the plan of action: "niet akkoord", with an own view ──
    const ownView =
      lang === 'nl'
        ? 'Ik kan nog geen 4 uur per dag werken. Ik stel voor te beginnen met 2 uur per dag en dat elke twee weken op te bouwen.'
        : 'I cannot work 4 hours a day yet. I suggest starting with 2 hours a day and building up every two weeks.';
    await question.getByLabel(T('dossier.answer.disagree'), { exact: true }).check();
    await ownViewField.fill(ownView);
    await planCard
      .getByText(T('dossier.answer.charsLeft_other', { left: formatNumber(lang, 4000 - ownView.length) }), { exact: true })
      .waitFor();
    if (full) await checkScreen('dossier-answer-filled');
    // Answering wants a confirmation in the last five minutes (a login counts). The full journey
    // ages it in the database, so "confirm it is you" surely comes; the core takes what comes.
    if (full) assert.ok((await server.ageStepUps(created.body.id)) >= 1, 'a step-up of this session aged');
    const responsePath = `/api/v1/me/documents/${upVisible.body.id}/response`;
    const answerSent = () => page.waitForResponse((r) => r.url().endsWith(responsePath) && r.request().method() === 'POST');
    let sending = answerSent();
    await planCard.getByRole('button', { name: T('dossier.answer.submit') }).click();
    let sentRes = await sending;
    if (full) assert.equal(sentRes.status(), 403, 'the aged confirmation: asked again');
    if (sentRes.status() === 403) {
      assert.match((await sentRes.json()).type ?? '', /\/problems\/step-up-required$/);
      const answerStepUp = planCard.locator('.step-up');
      await answerStepUp.getByRole('heading', { name: T('stepUp.title') }).waitFor();
      await answerStepUp.getByText(T('dossier.answer.stepUpReason', { title: visibleTitle })).waitFor();
      if (full) await checkScreen('dossier-answer-step-up');
      await answerStepUp.getByLabel(T('fields.password'), { exact: true }).fill(password);
      const steppedUp = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/step-up'));
      sending = answerSent();
      await answerStepUp.getByRole('button', { name: T('stepUp.submit'), exact: true }).click();
      assert.equal((await steppedUp).status(), 204, 'step-up with the password');
      sentRes = await sending;
    }
    assert.equal(sentRes.status(), 201, `POST ${responsePath}: ${await sentRes.text()}`);
    const sentAnswer = await sentRes.json();
    assert.equal(sentAnswer.agreement, 'disagree');
    assert.equal(sentAnswer.own_view, ownView);
    assert.equal(sentAnswer.document_id, upVisible.body.id);
    assert.equal(sentAnswer.document_sha256, upVisible.body.sha256, 'kept with the SHA-256 of the document answered');
    // Read-only now: the answer, when, the own view; no way to change it.
    const givenText = planCard.locator('.answer__given');
    await givenText.filter({ hasText: prefix(lang, 'dossier.answer.givenDisagree') }).waitFor();
    const answeredOn = new Intl.DateTimeFormat(lang === 'nl' ? 'nl-NL' : 'en-GB', {
      dateStyle: 'long',
      timeZone: 'Europe/Amsterdam',
    }).format(new Date(sentAnswer.created_at));
    assert.ok((await givenText.textContent()).includes(answeredOn), `answered on ${answeredOn}`);
    await alertSuccess.filter({ hasText: T('dossier.answer.sent') }).waitFor();
    assert.equal((await planCard.locator('.answer__view').textContent()).trim(), ownView);
    await planCard.getByText(T('dossier.answer.final')).waitFor();
    assert.equal(await planCard.getByRole('radio').count(), 0, 'no choices any more');
    assert.equal(await planCard.getByRole('textbox').count(), 0, 'no own view to edit');
    assert.equal(await planCard.getByRole('button', { name: T('dossier.answer.submit') }).count(), 0);
    await checkScreen('dossier-answered');
    // The employer reads the answer (GET /documents/{id}/responses).
    const responses = await employer.call('GET', `/api/v1/documents/${upVisible.body.id}/responses`);
    assert.equal(responses.status, 200, `GET /documents/{id}/responses: ${responses.raw}`);
    assert.equal(responses.body.items.length, 1, 'one answer');
    assert.equal(responses.body.items[0].agreement, 'disagree');
    assert.equal(responses.body.items[0].own_view, ownView);
    assert.equal(responses.body.items[0].id, sentAnswer.id);
    // An answer cannot be changed (409), and the dossier shows it after a reload too.
    const again = await fetch(`${server.baseUrl}${responsePath}`, {
      method: 'POST',
      headers: { Authorization: employeeAuth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ agreement: 'agree' }),
    });
    assert.equal(again.status, 409, 'a second answer');
    await page.reload();
    await heading.filter({ hasText: T('dossier.title') }).waitFor();
    await givenText.filter({ hasText: prefix(lang, 'dossier.answer.givenDisagree') }).waitFor();
    assert.equal(await planCard.getByRole('radio').count(), 0, 'still read-only after a reload');

    // ── 50 days on (the absence moved back in the database): the problem analysis is published,
    // the report to the arbodienst (week 1) was never recorded — done and late on the timeline ──
    assert.equal(await server.backdateAbsence(created.body.id, 50), 1, 'the open absence moved back');
    const upAnalysis = await employer.upload(created.body.id, {
      bytes: pdf(`Probleemanalyse ${device}`),
      fileName: 'probleemanalyse.pdf',
      title: lang === 'nl' ? 'Probleemanalyse' : 'Problem analysis',
      category: 'problem_analysis',
      documentDate: today,
      visible: false,
    });
    assert.equal(upAnalysis.status, 201, `upload problem analysis: ${upAnalysis.raw}`);
    await page.goto(`${server.baseUrl}/`);
    await page.getByRole('heading', { name: T('timeline.title') }).waitFor();
    const stepOf = (key) => page.locator(`.timeline__list > li[data-step="${key}"]`);
    await stepOf('arbodienst_report').and(page.locator('[data-status="late"]')).waitFor();
    await stepOf('problem_analysis').and(page.locator('[data-status="done"]')).waitFor();
    // Done on the Dutch day of the upload, also just after midnight in Amsterdam.
    const analysisText = await stepOf('problem_analysis').textContent();
    assert.ok(
      analysisText.includes(T('timeline.doneOn', { date: formatLongDate(lang, today) })),
      `problem analysis done today: ${analysisText}`,
    );
    assert.ok((await stepOf('arbodienst_report').textContent()).includes(T('timeline.state.late')));
    await page.locator('.timeline__late').filter({ hasText: T('timeline.lateSummary_one', { count: 1 }) }).waitFor();
    await checkScreen('home-timeline-late');

    // ── My absences lists the open absence ──
    await nav.getByRole('link', { name: T('nav.absences') }).click();
    await heading.filter({ hasText: T('absences.title') }).waitFor();
    const absenceCards = page.locator('.card-list > li');
    await absenceCards.first().waitFor();
    assert.equal(await absenceCards.count(), 1);
    assert.ok((await absenceCards.first().textContent()).includes(T('absences.status.open')));
    if (full) await checkScreen('absences-open');

    // ── Partial recovery (full journey only): the absence stays open ──
    await nav.getByRole('link', { name: T('nav.home') }).click();
    await page.getByRole('link', { name: T('home.reportRecovered') }).click();
    await heading.filter({ hasText: T('recovery.title') }).waitFor();
    await checkScreen('recovery');
    if (full) {
      await page.getByLabel(T('recovery.partial'), { exact: true }).check();
      await page.getByLabel(T('recovery.percentage'), { exact: true }).fill('50');
      await checkScreen('recovery-partial');
      const partial = page.waitForResponse((r) => r.url().endsWith('/partial-recovery'));
      await page.getByRole('button', { name: T('recovery.submitPartial') }).click();
      const partialRes = await partial;
      assert.equal(partialRes.status(), 200, `partial recovery: ${await partialRes.text()}`);
      await alertSuccess.filter({ hasText: T('home.justPartial') }).waitFor();
      await page.locator('.card--open p').filter({ hasText: prefix(lang, 'home.partial') }).filter({ hasText: '50%' }).waitFor();
      await page.getByRole('link', { name: T('home.reportRecovered') }).click();
      await heading.filter({ hasText: T('recovery.title') }).waitFor();
    }

    // ── Report recovery (today): home offers "Ziek melden" again ──
    assert.equal(await field(T('recovery.recoveredOn')).inputValue(), today);
    const recovered = page.waitForResponse((r) => r.url().endsWith(`/api/v1/me/absences/${absence.id}/recovery`));
    await page.getByRole('button', { name: T('recovery.submitFull') }).click();
    const recoveredRes = await recovered;
    assert.equal(recoveredRes.status(), 200, `recovery: ${await recoveredRes.text()}`);
    assert.equal((await recoveredRes.json()).recovered_on, today);
    await page.waitForURL(/\/\?done=recovered/);
    await alertSuccess.filter({ hasText: T('home.justRecovered') }).waitFor();
    await page.getByRole('link', { name: T('home.reportSick') }).waitFor();
    await page.getByText(T('home.noOpenAbsence')).waitFor();
    assert.equal(await page.locator('.timeline').count(), 0, 'no timeline without an open absence');
    await checkScreen('home-recovered');

    // ── My absences: the recovered absence ──
    await nav.getByRole('link', { name: T('nav.absences') }).click();
    await heading.filter({ hasText: T('absences.title') }).waitFor();
    await absenceCards.filter({ hasText: T('absences.status.recovered') }).waitFor();
    assert.equal(await absenceCards.count(), 1);
    await checkScreen('absences');

    if (!full) {
      await nav.getByRole('button', { name: T('nav.logout') }).click();
      await page.waitForURL(/\/login\?loggedout=1/);
      dev.assertNoProblems('end');
      return;
    }

    await nav.getByRole('link', { name: T('nav.help') }).click();
    await heading.filter({ hasText: T('help.title') }).waitFor();
    await checkScreen('help');

    // ── Profile: the employer's data, read-only ──
    await nav.getByRole('link', { name: T('nav.profile') }).click();
    await heading.filter({ hasText: T('profile.title') }).waitFor();
    const data = page.locator('.data-list');
    await data.getByText(`${firstName} ${lastName}`).waitFor();
    await data.getByText(email).waitFor();
    await data.getByText('Bakkerij De Korenschoof B.V.').waitFor();
    await data.getByText(externalId).waitFor();
    await data.getByText(lang === 'nl' ? '12 april 1985' : '12 April 1985').waitFor();
    // Security: two-step login on, ten recovery codes left, the employer requires it.
    const security = page.locator('section[aria-labelledby="security-title"]');
    await security.getByRole('heading', { name: T('security.profile.title') }).waitFor();
    await security.getByText(T('security.profile.on'), { exact: true }).waitFor();
    assert.equal((await security.locator('dt', { hasText: T('security.profile.codesLeft') }).locator('xpath=following-sibling::dd').textContent()).trim(), '10');
    await security.getByText(T('security.profile.requiredByEmployer'), { exact: true }).waitFor();
    await checkScreen('profile');
    // Who looked: the employer's system published the dossier documents and read the answer;
    // what the employee did herself is not listed.
    const accessLog = page.locator('section[aria-labelledby="access-log-title"]');
    await accessLog.getByRole('heading', { name: T('accessLog.title') }).waitFor();
    const byEmployer = T('accessLog.party', { name: 'e2e HR system', role: T('accessLog.roles.employer') });
    await accessLog.locator('.access-log__item', { hasText: byEmployer }).filter({ hasText: T('accessLog.actions.document.uploaded') }).first().waitFor();
    assert.equal(await accessLog.locator('.access-log__item', { hasText: T('accessLog.actions.absence.reported') }).count(), 0,
      'her own sick report is not in the access log');

    // New recovery codes (asks the password and a code from the app; shown once); the old ones
    // stop working. (Each action is a <details>; the closed one's fields are in the DOM too, so
    // scope to it.)
    const disclosure = (summary) => security.locator('details', { has: page.locator('summary', { hasText: summary }) });
    const newCodesBox = disclosure(T('security.profile.newCodes'));
    await newCodesBox.locator('summary').click();
    await newCodesBox.getByLabel(T('fields.currentPassword'), { exact: true }).fill(password);
    // The password alone is not enough: the form asks for the code before sending.
    await newCodesBox.getByRole('button', { name: T('security.profile.newCodesSubmit') }).click();
    await newCodesBox.locator('.field__error').filter({ hasText: T('validation.required') }).waitFor();
    // A code of a time step no earlier step used (the server takes each step once).
    await newCodesBox.getByLabel(T('login.mfa.codeLabel'), { exact: true }).fill(await totp.next());
    const newCodesAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/mfa/recovery-codes'));
    await newCodesBox.getByRole('button', { name: T('security.profile.newCodesSubmit') }).click();
    const newCodesRes = await newCodesAnswer;
    assert.equal(newCodesRes.status(), 200, `POST /me/mfa/recovery-codes: ${await newCodesRes.text()}`);
    const newCodes = (await newCodesRes.json()).recovery_codes;
    assert.equal(newCodes.length, 10);
    assert.equal(newCodes.filter((c) => recoveryCodes.includes(c)).length, 0, 'a new set');
    await security.getByRole('heading', { name: T('security.profile.newCodesTitle') }).waitFor();
    assert.deepEqual((await security.locator('.recovery-codes__list li').allTextContents()).map((c) => c.trim()), newCodes);
    await checkScreen('profile-new-recovery-codes');
    const oldCodes = recoveryCodes;
    recoveryCodes = newCodes;
    await security.getByRole('button', { name: T('security.profile.newCodesDone') }).click();
    // The form to remove the app (not sent: the journey keeps its factor).
    const removeBox = disclosure(T('security.profile.remove'));
    await removeBox.locator('summary').click();
    await removeBox.getByText(T('security.profile.removeRequired')).waitFor();
    await checkScreen('profile-remove-authenticator');
    // With the phone lost, a recovery code stands in for the app's code (not sent either).
    await removeBox.getByRole('button', { name: T('security.profile.useRecovery') }).click();
    await removeBox.getByLabel(T('login.mfa.recoveryLabel'), { exact: true }).waitFor();
    assert.equal(await removeBox.getByLabel(T('login.mfa.codeLabel'), { exact: true }).count(), 0, 'one factor field');
    await checkScreen('profile-remove-authenticator-recovery');

    // Language: the profile setting switches the UI and is stored (survives a reload).
    const O = (key, vars) => tr(other, key, vars);
    const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
    await field(T('profile.language')).selectOption(other);
    assert.equal((await saved).status(), 200);
    await heading.filter({ hasText: O('profile.title') }).waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), other);
    await page.reload();
    await heading.filter({ hasText: O('profile.title') }).waitFor();
    assert.equal(await field(O('profile.language')).inputValue(), other);
    await checkScreen(`profile-${other}`);
    // …and back with the header's language switch.
    await page.getByRole('button', { name: O('app.switchLanguageLabel') }).click();
    await heading.filter({ hasText: T('profile.title') }).waitFor();
    await page.waitForLoadState('networkidle');
    await page.reload();
    await heading.filter({ hasText: T('profile.title') }).waitFor();
    assert.equal(await field(T('profile.language')).inputValue(), lang);

    // ── Log out ──
    page.on('framenavigated', (f) => process.env.E2E_DEBUG && console.error('NAV', f.url()));
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);
    await alertSuccess.filter({ hasText: T('login.loggedOut') }).waitFor();
    await checkScreen('logged-out');
    await page.goto(`${server.baseUrl}/profile`);
    await page.waitForURL(/\/login\?/);

    // ── Log in again: the password, then the code from the app (a wrong one first) ──
    await page.goto(`${server.baseUrl}/login`);
    await heading.filter({ hasText: T('login.title') }).waitFor();
    const challenge = await passwordStep(password);
    await checkScreen('login-code');
    const wrongCode = await secondStep({ code: totp.wrong() });
    assert.equal(wrongCode.status(), 401, 'a wrong code');
    assert.match((await wrongCode.json()).type ?? '', /\/problems\/invalid-second-factor$/, 'a wrong code keeps the mfa_token');
    await page.locator('.field__error').filter({ hasText: T('login.mfa.wrongCode') }).waitFor();
    await checkScreen('login-code-wrong');
    const rightCode = await secondStep({ code: await totp.next() });
    assert.equal(rightCode.status(), 200, `POST /auth/mfa: ${await rightCode.text()}`);
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();
    // The completed mfa_token is used up: its own problem type (the SPA then asks the password again).
    const reusedToken = await fetch(`${server.baseUrl}/api/v1/auth/mfa`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mfa_token: challenge.mfa_token, code: totp.wrong() }),
    });
    assert.equal(reusedToken.status, 401, 'a completed mfa_token');
    assert.match((await reusedToken.json()).type ?? '', /\/problems\/mfa-token-expired$/, 'a completed mfa_token');
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    // ── Three wrong passwords, then blocked: the message says until when ──
    await page.goto(`${server.baseUrl}/login`);
    await heading.filter({ hasText: T('login.title') }).waitFor();
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await field(T('fields.email')).fill(email);
      await field(T('fields.password')).fill(`${password} fout ${attempt}`);
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await page.getByRole('button', { name: T('login.submit'), exact: true }).click();
      assert.equal((await answer).status(), 401, `wrong password ${attempt}`);
      await alertError.filter({ hasText: T('login.invalid') }).waitFor();
    }
    await checkScreen('login-invalid');
    // Now even the right password is refused until the block ends.
    await field(T('fields.email')).fill(email);
    await field(T('fields.password')).fill(password);
    const blockedAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
    await page.getByRole('button', { name: T('login.submit'), exact: true }).click();
    const blocked = await blockedAnswer;
    assert.equal(blocked.status(), 429);
    const problem = await blocked.json();
    assert.equal(problem.type.endsWith('/problems/login-blocked'), true, JSON.stringify(problem));
    const until = new Date(problem.blocked_until);
    const retryAfter = Number(blocked.headers()['retry-after']);
    assert.ok(retryAfter > 3500 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.ok(Math.abs(until.getTime() - (Date.now() + 3600_000)) < 120_000, `blocked_until ${problem.blocked_until}`);
    const hhmm = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
      timeZone: 'Europe/Amsterdam',
    }).format(until);
    const blockedMessage = alertError.filter({ hasText: prefix(lang, 'login.blockedUntil') });
    await blockedMessage.waitFor();
    assert.ok((await blockedMessage.textContent()).includes(hhmm), `blocked message shows ${hhmm}`);
    await checkScreen('login-blocked');

    // ── Forgot password → e-mail → new password (lifts the block) ──
    await page.getByRole('link', { name: T('login.forgot') }).click();
    await heading.filter({ hasText: T('forgot.title') }).waitFor();
    await checkScreen('forgot-password');
    const beforeReset = smtp.count();
    await field(T('fields.email')).fill(email);
    await page.getByRole('button', { name: T('forgot.submit') }).click();
    await alertSuccess.filter({ hasText: prefix(lang, 'forgot.sent') }).waitFor();
    await checkScreen('forgot-password-sent');
    const resetMail = await smtp.waitFor(email, (m) => m.subject === SUBJECTS.reset[lang], { since: beforeReset });
    const resetLink = resetMail.links.find((l) => l.startsWith(`${server.baseUrl}/reset-password/`));
    assert.ok(resetLink, `reset link in the e-mail: ${resetMail.links.join(' ')}`);

    await page.goto(resetLink);
    await heading.filter({ hasText: T('reset.title') }).waitFor();
    await field(T('fields.newPassword')).fill('kort');
    await checkScreen('reset-password');
    await field(T('fields.newPassword')).fill(newPassword);
    await field(T('fields.confirmPassword')).fill(newPassword);
    await page.getByRole('button', { name: T('reset.submit') }).click();
    await page.waitForURL(/\/login\?reset=1/);
    await alertSuccess.filter({ hasText: T('login.resetDone') }).waitFor();
    await checkScreen('login-reset-done');

    // The link works once.
    const reused = await fetch(`${server.baseUrl}/api/v1/auth/password-reset/${resetLink.split('/').pop()}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ password: 'nog een heel ander wachtwoord' }),
    });
    assert.equal(reused.status, 404, 'a used reset link');

    // ── Log in with the new password: the reset kept the second factor, so the code follows ──
    await loginWithCode(newPassword, totp);
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    // ── Log in once with a recovery code (an old one from before the new set is refused) ──
    await passwordStep(newPassword);
    await page.getByRole('button', { name: T('login.mfa.useRecovery') }).click();
    await field(T('login.mfa.recoveryLabel')).waitFor();
    await checkScreen('login-recovery-code');
    const oldRecovery = await secondStep({ recoveryCode: oldCodes[0] });
    assert.equal(oldRecovery.status(), 401, 'a recovery code of the replaced set');
    await page.locator('.field__error').filter({ hasText: T('login.mfa.wrongRecoveryCode') }).waitFor();
    const recoveryLogin = await secondStep({ recoveryCode: recoveryCodes[0] });
    assert.equal(recoveryLogin.status(), 200, `POST /auth/mfa with a recovery code: ${await recoveryLogin.text()}`);
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();
    await nav.getByRole('link', { name: T('nav.profile') }).click();
    const securityAfter = page.locator('section[aria-labelledby="security-title"]');
    await securityAfter.getByText(T('security.profile.on'), { exact: true }).waitFor();
    const left = securityAfter.locator('dt', { hasText: T('security.profile.codesLeft') }).locator('xpath=following-sibling::dd');
    assert.equal((await left.textContent()).trim(), '9', 'one recovery code used');

    // ── Passkeys: one is added in the profile (Chromium's virtual authenticator stands in for
    // the phone's fingerprint), then logs in as the second step after the password, and on its
    // own; removing it asks "confirm it is you" ──
    const authenticator = await addVirtualAuthenticator(page);
    const passkeys = securityAfter.locator('.passkeys');
    await passkeys.getByRole('heading', { name: T('passkey.title') }).waitFor();
    await passkeys.getByText(T('passkey.none'), { exact: true }).waitFor();
    const passkeyName = lang === 'nl' ? 'Telefoon van Sanne' : 'Phone of Sanne';
    await passkeys.getByLabel(new RegExp(`^${escapeRe(T('passkey.nameLabel'))}\\s*\\(`)).fill(passkeyName);
    const registered = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/passkeys/register/finish'));
    await passkeys.getByRole('button', { name: T('passkey.add') }).click();
    const registeredRes = await registered;
    assert.equal(registeredRes.status(), 201, `POST /me/passkeys/register/finish: ${await registeredRes.text()}`);
    const registeredBody = await registeredRes.json();
    assert.equal(registeredBody.passkey.name, passkeyName);
    assert.equal(registeredBody.recovery_codes ?? null, null, 'not the first second factor: no new recovery codes');
    await alertSuccess.filter({ hasText: T('passkey.added', { name: passkeyName }) }).waitFor();
    const passkeyItem = passkeys.locator('.passkey-list__item').filter({ hasText: passkeyName });
    await passkeyItem.getByText(T('passkey.neverUsed'), { exact: true }).waitFor();
    await securityAfter.getByText(T('security.profile.onBoth'), { exact: true }).waitFor();
    const stored = await authenticator.credentials();
    assert.equal(stored.length, 1, 'one credential on the authenticator');
    assert.equal(stored[0].isResidentCredential, true, 'a discoverable passkey (it logs in without an address)');
    await checkScreen('profile-passkey-added');
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    // The password, then the passkey instead of the app's code.
    const passkeyChallenge = await passwordStep(newPassword);
    assert.ok(passkeyChallenge.methods.includes('passkey'), `methods ${passkeyChallenge.methods}`);
    const usePasskey = page.getByRole('button', { name: T('login.mfa.usePasskey') });
    await usePasskey.waitFor();
    await checkScreen('login-code-or-passkey');
    // (The request bodies are checked in the SPA's unit tests: Chromium does not show the
    // streamed bodies of the client's requests to the test.)
    let passkeyStart = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/passkey/start'));
    let passkeyFinish = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/passkey/finish'));
    await usePasskey.click();
    const stepStart = await passkeyStart;
    assert.equal(stepStart.status(), 200, 'the passkey step of this challenge');
    // Only this login's passkey is asked for.
    assert.equal((await stepStart.json()).public_key.allowCredentials?.length, 1, 'allowCredentials: this login\'s passkey');
    let passkeyRes = await passkeyFinish;
    assert.equal(passkeyRes.status(), 200, `POST /auth/passkey/finish (second step): ${await passkeyRes.text()}`);
    assert.equal((await passkeyRes.json()).mfa_enrolment_required, false);
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    // The passkey on its own: no address, no password.
    const passkeyLogin = page.getByRole('button', { name: T('login.passkey.submit') });
    await passkeyLogin.waitFor();
    await checkScreen('login-with-passkey');
    passkeyStart = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/passkey/start'));
    passkeyFinish = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/passkey/finish'));
    await passkeyLogin.click();
    // A discoverable login: the options name no credentials, the browser offers this site's.
    const aloneOptions = (await (await passkeyStart).json()).public_key;
    assert.equal((aloneOptions.allowCredentials ?? []).length, 0, `options: ${JSON.stringify(aloneOptions)}`);
    passkeyRes = await passkeyFinish;
    assert.equal(passkeyRes.status(), 200, `POST /auth/passkey/finish (on its own): ${await passkeyRes.text()}`);
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();

    // Remove it. A login counts as "confirm it is you" for five minutes; the test ages that in
    // the database rather than waiting, so the removal asks for it.
    await nav.getByRole('link', { name: T('nav.profile') }).click();
    await passkeyItem.waitFor();
    assert.notEqual(
      (await passkeyItem.locator('dt', { hasText: T('passkey.lastUsedAt') }).locator('xpath=following-sibling::dd').textContent()).trim(),
      T('passkey.neverUsed'),
      'last used: now',
    );
    assert.ok((await server.ageStepUps(created.body.id)) >= 1, 'a step-up of this session aged');
    const removalAnswer = () =>
      page.waitForResponse((r) => r.url().includes('/api/v1/me/passkeys/') && r.request().method() === 'DELETE');
    let removal = removalAnswer();
    await passkeys.getByRole('button', { name: T('passkey.removeNamed', { name: passkeyName }) }).click();
    const refusedRemoval = await removal;
    assert.equal(refusedRemoval.status(), 403);
    assert.match((await refusedRemoval.json()).type ?? '', /\/problems\/step-up-required$/);
    const stepUp = page.locator('.step-up');
    await stepUp.getByRole('heading', { name: T('stepUp.title') }).waitFor();
    await stepUp.getByText(T('passkey.stepUpReason', { name: passkeyName })).waitFor();
    await checkScreen('profile-step-up');
    // A wrong password: said at the field (and counted toward the lockout).
    await stepUp.getByLabel(T('fields.password'), { exact: true }).fill(`${newPassword} fout`);
    const wrongStepUp = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/step-up'));
    await stepUp.getByRole('button', { name: T('stepUp.submit'), exact: true }).click();
    assert.equal((await wrongStepUp).status(), 400, 'a wrong password at the step-up');
    await stepUp.locator('.field__error').filter({ hasText: T('security.profile.wrongPassword') }).waitFor();
    await checkScreen('profile-step-up-wrong-password');
    // Then the passkey itself; the removal follows by itself.
    await stepUp.getByLabel(T('stepUp.methods.passkey'), { exact: true }).check();
    const passkeyStepUp = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/step-up/passkey/finish'));
    removal = removalAnswer();
    await stepUp.getByRole('button', { name: T('stepUp.submitPasskey') }).click();
    assert.equal((await passkeyStepUp).status(), 204, 'step-up with the passkey');
    assert.equal((await removal).status(), 204, 'the removal, repeated');
    await alertSuccess.filter({ hasText: T('passkey.removed', { name: passkeyName }) }).waitFor();
    await passkeys.getByText(T('passkey.none'), { exact: true }).waitFor();
    await securityAfter.getByText(T('security.profile.on'), { exact: true }).waitFor();
    assert.equal(await stepUp.count(), 0, 'the confirmation is gone');
    await checkScreen('profile-passkey-removed');
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    // The authenticator still holds the key, but Verzuim has forgotten it: refused, in words.
    passkeyFinish = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/passkey/finish'));
    await page.getByRole('button', { name: T('login.passkey.submit') }).click();
    passkeyRes = await passkeyFinish;
    assert.equal(passkeyRes.status(), 401, 'a removed passkey');
    assert.match((await passkeyRes.json()).type ?? '', /\/problems\/invalid-second-factor$/);
    await alertError.filter({ hasText: T('login.passkey.refused') }).waitFor();
    await authenticator.remove();

    // A used activation link says so.
    await page.goto(activationLink);
    await field(T('fields.email')).fill(email);
    await field(T('fields.dateOfBirth')).fill(dob);
    await page.getByRole('button', { name: T('activate.step1Submit') }).click();
    await alertError.filter({ hasText: T('activate.notFound') }).waitFor();
    await checkScreen('activate-used-link');

    // ── A second employer invites the same address: the new employment is linked to the login
    // with its password and code (never a new password); then a switch between the two ──
    const created2 = await employer2.call('POST', '/api/v1/employees', {
      email,
      date_of_birth: dob,
      first_name: firstName,
      last_name: lastName,
      language: lang,
      external_id: `Q-${device}`,
    });
    assert.equal(created2.status, 201, `POST /employees (second employer): ${created2.raw}`);
    const mailsBeforeLink = smtp.count();
    const invited2 = await employer2.call('POST', `/api/v1/employees/${created2.body.id}/invitation`);
    assert.equal(invited2.status, 202, `invitation (second employer): ${invited2.raw}`);
    const isActivation = (l) => l.startsWith(`${server.baseUrl}/activate/`);
    const invitation2 = await smtp.waitFor(email, (m) => m.links.some(isActivation), { since: mailsBeforeLink });
    await page.goto(invitation2.links.find(isActivation));
    await heading.filter({ hasText: T('activate.title') }).waitFor();
    await field(T('fields.email')).fill(email);
    await field(T('fields.dateOfBirth')).fill(dob);
    const verified = page.waitForResponse((r) => /\/api\/v1\/activation\/[^/]+\/verify$/.test(r.url()));
    await page.getByRole('button', { name: T('activate.step1Submit') }).click();
    const verifiedRes = await verified;
    assert.equal(verifiedRes.status(), 200, `verify (second employer): ${await verifiedRes.text()}`);
    const check = await verifiedRes.json();
    assert.deepEqual(
      { login_exists: check.login_exists, login_has_mfa: check.login_has_mfa },
      { login_exists: true, login_has_mfa: true },
      JSON.stringify(check),
    );
    await page.getByRole('heading', { name: T('activate.link.title') }).waitFor();
    await page.getByText(T('activate.link.intro')).waitFor();
    assert.equal(await field(T('fields.confirmPassword')).count(), 0, 'no new password to choose');
    await checkScreen('activate-link-login');
    // A wrong password (with a right code): said at the field.
    await field(T('activate.link.password')).fill(`${newPassword} fout`);
    await field(T('login.mfa.codeLabel')).fill(await totp.next());
    let linkAnswer = page.waitForResponse((r) => /\/api\/v1\/activation\/[^/]+$/.test(r.url()));
    await page.getByRole('button', { name: T('activate.link.submit') }).click();
    const wrongLink = await linkAnswer;
    assert.equal(wrongLink.status(), 400, `link with a wrong password: ${await wrongLink.text()}`);
    await page.locator('.field__error').filter({ hasText: T('activate.link.wrongPassword') }).waitFor();
    await checkScreen('activate-link-wrong-password');
    await field(T('activate.link.password')).fill(newPassword);
    await field(T('login.mfa.codeLabel')).fill(await totp.next());
    linkAnswer = page.waitForResponse((r) => /\/api\/v1\/activation\/[^/]+$/.test(r.url()));
    await page.getByRole('button', { name: T('activate.link.submit') }).click();
    const linkedRes = await linkAnswer;
    assert.equal(linkedRes.status(), 201, `link: ${await linkedRes.text()}`);
    assert.equal((await linkedRes.json()).status, 'linked');
    await page.waitForURL(/\/login\?linked=1/);
    await alertSuccess.filter({ hasText: T('login.linked') }).waitFor();
    assert.equal(await field(T('fields.email')).inputValue(), email);
    await checkScreen('login-linked');

    // One login, two employments: the profile lists both, a switch under the menu too.
    await loginWithCode(newPassword, totp);
    const bar = page.locator('.employment-bar');
    await bar.getByLabel(T('employments.employer'), { exact: true }).waitFor();
    await nav.getByRole('link', { name: T('nav.profile') }).click();
    await heading.filter({ hasText: T('profile.title') }).waitFor();
    const employmentsSection = page.locator('section[aria-labelledby="employments-title"]');
    await employmentsSection.getByText(employer.name, { exact: true }).waitFor();
    await employmentsSection.getByText(employer2.name, { exact: true }).waitFor();
    const ownData = page.locator('.data-list').first();
    const currentName = (await ownData.textContent()).includes(employer2.name) ? employer2.name : employer.name;
    const otherName = currentName === employer.name ? employer2.name : employer.name;
    await checkScreen('profile-employments');
    let switchAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/switch'));
    await employmentsSection.getByRole('button', { name: T('employments.switchTo', { name: otherName }) }).click();
    const switchedRes = await switchAnswer;
    assert.equal(switchedRes.status(), 200, `POST /auth/switch: ${await switchedRes.text()}`);
    assert.equal(typeof (await switchedRes.json()).access_token, 'string');
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();
    await checkScreen('home-switched');
    await nav.getByRole('link', { name: T('nav.profile') }).click();
    await ownData.getByText(otherName, { exact: true }).waitFor();
    // Back with the compact switch; a reload stays in that employment (the cookie was rotated).
    await bar.getByLabel(T('employments.employer'), { exact: true }).selectOption({ label: currentName });
    switchAnswer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/switch'));
    await bar.getByRole('button', { name: T('employments.switch') }).click();
    assert.equal((await switchAnswer).status(), 200, 'switch back');
    await page.waitForURL(`${server.baseUrl}/`);
    await page.reload();
    await heading.filter({ hasText: T('home.title', { name: firstName }) }).waitFor();
    await nav.getByRole('link', { name: T('nav.profile') }).click();
    await ownData.getByText(currentName, { exact: true }).waitFor();
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    dev.assertNoProblems('end');
  } catch (err) {
    console.error(`${device} failed at ${page.url()}`);
    await page.screenshot({ path: join(dev.dir, 'FAILED.png'), fullPage: true }).catch(() => {});
    throw err;
  } finally {
    await dev.context.close();
  }
}

/**
 * An employee whose employer requires two-step login chooses a passkey at /security/setup
 * (with the enrolment-only token): the recovery codes once, then a full token; the profile
 * says two-step login is on with a passkey; a login with the passkey alone, and one with the
 * password whose second step is the passkey (no app to offer).
 */
async function passkeyEnrolment({ width, height, lang, locale, device }) {
  const T = (key, vars) => tr(lang, key, vars);
  const email = `kees.${lang}${width}@medewerker.example`;
  const dob = '1979-09-30';
  const password = 'blauwe tram naar het strand 3';
  const created = await employer.call('POST', '/api/v1/employees', {
    email,
    date_of_birth: dob,
    first_name: 'Kees',
    last_name: 'Visser',
    language: lang,
    external_id: `K-${device}`,
  });
  assert.equal(created.status, 201, `POST /employees: ${created.raw}`);
  const mailsBefore = smtp.count();
  const invited = await employer.call('POST', `/api/v1/employees/${created.body.id}/invitation`);
  assert.equal(invited.status, 202, `invitation: ${invited.raw}`);
  const invitation = await smtp.waitFor(email, (m) => m.subject === SUBJECTS.invitation[lang], { since: mailsBefore });
  const activationLink = invitation.links.find((l) => l.startsWith(`${server.baseUrl}/activate/`));
  assert.ok(activationLink, `activation link: ${invitation.links.join(' ')}`);

  const dev = await openDevice(browser, { width, height, locale, name: `${device}-passkey` });
  const { page, checkScreen } = dev;
  const heading = page.locator('h1');
  const nav = page.getByRole('navigation');
  const field = (label) => page.getByLabel(label, { exact: true });
  try {
    const authenticator = await addVirtualAuthenticator(page);
    // Activation (as in the journey, without its detours).
    await page.goto(activationLink);
    await heading.filter({ hasText: T('activate.title') }).waitFor();
    await field(T('fields.email')).fill(email);
    await field(T('fields.dateOfBirth')).fill(dob);
    await page.getByRole('button', { name: T('activate.step1Submit') }).click();
    await page.getByRole('heading', { name: T('activate.step2Title') }).waitFor();
    await field(T('fields.password')).fill(password);
    await field(T('fields.confirmPassword')).fill(password);
    await page.getByRole('button', { name: T('activate.step2Submit') }).click();
    await page.waitForURL(/\/login\?activated=1/);

    // The password: a token for the enrolment only, which leads to the choice.
    await field(T('fields.password')).fill(password);
    const loggedIn = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
    await page.getByRole('button', { name: T('login.submit'), exact: true }).click();
    assert.equal((await (await loggedIn).json()).mfa_enrolment_required, true);
    await page.waitForURL(`${server.baseUrl}/security/setup`);
    await page.getByRole('link', { name: T('security.setup.choice.passkeyButton') }).click();
    await page.waitForURL(`${server.baseUrl}/security/setup?method=passkey`);
    await page.getByRole('heading', { name: T('security.setup.passkey.title') }).waitFor();
    await checkScreen('mfa-setup-passkey');
    const registered = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/passkeys/register/finish'));
    await page.getByRole('button', { name: T('security.setup.passkey.create') }).click();
    const registeredRes = await registered;
    assert.equal(registeredRes.status(), 201, `register/finish with the enrolment token: ${await registeredRes.text()}`);
    const registeredBody = await registeredRes.json();
    assert.match(registeredBody.passkey.name, /\S/, 'a default name');
    assert.equal(registeredBody.recovery_codes?.length, 10, 'the first second factor comes with ten recovery codes');
    assert.match(registeredRes.request().headers().authorization ?? '', /^Bearer /);
    await page.getByRole('heading', { name: T('security.codes.title') }).waitFor();
    await page.locator('.alert--success').filter({ hasText: T('security.setup.passkey.done') }).waitFor();
    const shown = (await page.locator('.recovery-codes__list li').allTextContents()).map((c) => c.trim());
    assert.deepEqual(shown, registeredBody.recovery_codes, 'the page lists the ten codes');
    await checkScreen('mfa-passkey-recovery-codes');
    await page.getByLabel(T('security.codes.saved'), { exact: true }).check();
    const upgraded = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/refresh'));
    await page.getByRole('button', { name: T('security.codes.continue') }).click();
    assert.equal((await (await upgraded).json()).mfa_enrolment_required, false, 'a passkey satisfies the employer');
    await page.waitForURL(`${server.baseUrl}/`);
    await heading.filter({ hasText: T('home.title', { name: 'Kees' }) }).waitFor();

    // The profile: on, with a passkey; the app can be added too.
    await nav.getByRole('link', { name: T('nav.profile') }).click();
    const security = page.locator('section[aria-labelledby="security-title"]');
    await security.getByText(T('security.profile.onPasskey'), { exact: true }).waitFor();
    await security.locator('.passkey-list__item').filter({ hasText: registeredBody.passkey.name }).waitFor();
    await security.getByRole('link', { name: T('security.profile.setUp') }).waitFor();
    await checkScreen('profile-passkey-only');
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    // The passkey alone logs in…
    let finished = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/passkey/finish'));
    await page.getByRole('button', { name: T('login.passkey.submit') }).click();
    assert.equal((await finished).status(), 200, 'a login with the passkey alone');
    await heading.filter({ hasText: T('home.title', { name: 'Kees' }) }).waitFor();
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);

    // …and after the password it is the second step (there is no app to offer).
    await field(T('fields.email')).fill(email);
    await field(T('fields.password')).fill(password);
    const challenged = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
    await page.getByRole('button', { name: T('login.submit'), exact: true }).click();
    const challenge = await (await challenged).json();
    assert.deepEqual([...challenge.methods].sort(), ['passkey', 'recovery_code'], `methods ${challenge.methods}`);
    await page.getByText(T('login.mfa.passkeyIntro')).waitFor();
    assert.equal(await field(T('login.mfa.codeLabel')).count(), 0, 'no app code to ask for');
    await checkScreen('login-passkey-step');
    finished = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/passkey/finish'));
    await page.getByRole('button', { name: T('login.mfa.usePasskey') }).click();
    assert.equal((await finished).status(), 200, 'the passkey as the second step');
    await heading.filter({ hasText: T('home.title', { name: 'Kees' }) }).waitFor();
    await nav.getByRole('button', { name: T('nav.logout') }).click();
    await page.waitForURL(/\/login\?loggedout=1/);
    await authenticator.remove();
    dev.assertNoProblems('end');
  } catch (err) {
    console.error(`${device} (passkey enrolment) failed at ${page.url()}`);
    await page.screenshot({ path: join(dev.dir, 'FAILED.png'), fullPage: true }).catch(() => {});
    throw err;
  } finally {
    await dev.context.close();
  }
}
