/*
 * Temporary until schema.d.ts has these; then replace by the generated types.
 *
 * The request and response shapes of "one login per person + two-factor login" (issue 14), as
 * notes/mfa-contract.md describes them, and a small typed client for the routes that are new or
 * changed. `mfaApi.POST(path, { params, body })` answers like openapi-fetch (`{ data, error,
 * response }`, for `unwrap`), and goes through the same `authFetch` as `api` (bearer token,
 * 401 → refresh → retry), so that switching to the generated client is replacing `mfaApi` by
 * `api` at each call and the aliases below by `components['schemas'][…]` in types.ts.
 */
import { authFetch } from './client';
import type { AccessToken, Me } from './types';

/** POST /auth/login, /auth/mfa, /auth/refresh, /auth/switch → 200 (plus the refresh cookie). */
export type TokenResponse = AccessToken & {
  /** True: the token reaches only GET /me, the TOTP enrolment routes, refresh and logout. */
  mfa_enrolment_required?: boolean;
};

export type MfaMethod = 'totp' | 'recovery_code';

/** POST /auth/login → 200 when the login has a second factor: no token, no cookie. */
export interface MfaChallenge {
  /** Always true (the generated type says boolean; tell the two bodies apart by its presence). */
  mfa_required: boolean;
  /** Valid 5 minutes, usable only at POST /auth/mfa. */
  mfa_token: string;
  /** May name methods this SPA does not offer yet (passkeys): unknown ones are ignored. */
  methods: (MfaMethod | (string & {}))[];
}

export type LoginResponse = TokenResponse | MfaChallenge;

export function isMfaChallenge(body: LoginResponse): body is MfaChallenge {
  return typeof body === 'object' && body !== null && 'mfa_required' in body;
}

export type MfaRequest = { mfa_token: string; code: string } | { mfa_token: string; recovery_code: string };

export interface SwitchRequest {
  employee_id: string;
}

export interface Employment {
  employee_id: string;
  employer_id: string;
  employer_name: string;
}

export interface Security {
  totp_enabled: boolean;
  recovery_codes_left: number;
  /** The current employer's policy (default true). */
  mfa_required: boolean;
}

/** GET /me with the fields issue 14 adds. */
export type MeWithSecurity = Me & {
  /** All of this person's employments, the current one (employee_id == id) included. */
  employments: Employment[];
  security: Security;
};

/** POST /me/mfa/totp → 201. */
export interface TotpEnrolment {
  /** Base32. */
  secret: string;
  otpauth_uri: string;
}

export interface TotpConfirm {
  code: string;
}

/** POST /me/mfa/totp/confirm, POST /me/mfa/recovery-codes → 200. Shown once. */
export interface RecoveryCodes {
  recovery_codes: string[];
}

export interface TotpRemove {
  password: string;
  code: string;
}

export interface PasswordCheck {
  password: string;
}

export interface IdentityCheck {
  email: string;
  date_of_birth: string;
}

/** POST /activation/{token}/verify → 200. */
export interface ActivationCheck {
  status: string;
  /** The address already has a login: the activation links this employment to it. */
  login_exists?: boolean | null;
  /** That login has an authenticator app: the link asks for its code too. */
  login_has_mfa?: boolean | null;
}

/** POST /activation/{token}. With an existing login: its password, and `code` when it has TOTP. */
export interface ActivationRequest extends IdentityCheck {
  password: string;
  code?: string | null;
}

/** POST /activation/{token} → 201: `active` (new login) or `linked` (added to the existing one). */
export interface ActivationResult {
  status: 'active' | 'linked' | (string & {});
}

type TokenParam = { path: { token: string } };

/** What a route takes (`params` where its path has a placeholder, `body`) and gives (`data`). */
interface Route<Body, Data, Params = undefined> {
  params: Params;
  body: Body;
  data: Data;
}

/** Method → path → route, as `paths` of schema.d.ts. */
interface Routes {
  GET: {
    '/api/v1/me': Route<undefined, MeWithSecurity>;
  };
  POST: {
    '/api/v1/auth/login': Route<{ email: string; password: string }, LoginResponse>;
    '/api/v1/auth/mfa': Route<MfaRequest, TokenResponse>;
    '/api/v1/auth/switch': Route<SwitchRequest, TokenResponse>;
    '/api/v1/auth/email-change/{token}': Route<undefined, undefined, TokenParam>;
    '/api/v1/me/mfa/totp': Route<undefined, TotpEnrolment>;
    '/api/v1/me/mfa/totp/confirm': Route<TotpConfirm, RecoveryCodes>;
    '/api/v1/me/mfa/recovery-codes': Route<PasswordCheck, RecoveryCodes>;
    '/api/v1/activation/{token}/verify': Route<IdentityCheck, ActivationCheck, TokenParam>;
    '/api/v1/activation/{token}': Route<ActivationRequest, ActivationResult, TokenParam>;
  };
  DELETE: {
    '/api/v1/me/mfa/totp': Route<TotpRemove, undefined>;
  };
}

type Method = keyof Routes;
type AnyRoute = Route<unknown, unknown, unknown>;

/** As openapi-fetch's init. */
type InitOf<R extends AnyRoute> = ([R['params']] extends [undefined] ? { params?: undefined } : { params: R['params'] }) &
  ([R['body']] extends [undefined] ? { body?: undefined } : { body: R['body'] });

/** The init may be left out only when the route needs neither params nor a body. */
type ArgsOf<R extends AnyRoute> = [R['params'], R['body']] extends [undefined, undefined]
  ? [init?: InitOf<R>]
  : [init: InitOf<R>];

/** As openapi-fetch's result: `data` on success, `error` (the problem body) otherwise. */
export interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function buildUrl(path: string, params?: { path?: Record<string, string> }): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params?.path?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} of ${path}`);
    return encodeURIComponent(value);
  });
  return new URL(filled, globalThis.location?.origin ?? 'http://localhost').toString();
}

async function send<T>(method: Method, path: string, init?: { params?: unknown; body?: unknown }): Promise<Result<T>> {
  const headers = new Headers({ Accept: 'application/json' });
  const hasBody = init?.body !== undefined;
  if (hasBody) headers.set('Content-Type', 'application/json');
  const request = new Request(buildUrl(path, init?.params as { path?: Record<string, string> } | undefined), {
    method,
    headers,
    credentials: 'include',
    body: hasBody ? JSON.stringify(init?.body) : undefined,
  });
  const response = await authFetch(request);
  const text = response.status === 204 ? '' : await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (response.ok) return { data: parsed as T, response };
  return { error: parsed ?? {}, response };
}

function caller<M extends Method>(method: M) {
  return <P extends keyof Routes[M] & string>(
    path: P,
    ...init: Routes[M][P] extends AnyRoute ? ArgsOf<Routes[M][P]> : never
  ): Promise<Result<Routes[M][P] extends AnyRoute ? Routes[M][P]['data'] : never>> =>
    send(method, path, init[0] as { params?: unknown; body?: unknown } | undefined);
}

/** The routes of issue 14 (new, or with a changed request or response), typed from the contract. */
export const mfaApi = {
  GET: caller('GET'),
  POST: caller('POST'),
  DELETE: caller('DELETE'),
};

/** "ABCDEFGH…" → "ABCD EFGH …" for typing the key by hand. */
export function groupSecret(secret: string): string {
  return (secret.replace(/\s+/g, '').toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
}

/** A code as typed ("123 456", "123-456") → its digits, or null when it is not 6 digits. */
export function normaliseTotpCode(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(digits) ? digits : null;
}

/** A recovery code as typed (format xxxx-xxxx-xxxx): only the outer white space goes; the server compares. */
export function normaliseRecoveryCode(input: string): string {
  return input.trim();
}
