import createClient from 'openapi-fetch';
import type { paths } from './schema';
import type { AccessToken } from './types';

/*
 * Session handling. The access token lives in this module's memory only (never in
 * localStorage / sessionStorage). The refresh token is an HttpOnly cookie scoped to
 * /api/v1/auth that the browser sends with `credentials: 'include'`.
 * On a 401 the client refreshes once (single flight: the refresh token rotates, so two
 * parallel refreshes would look like token reuse) and repeats the request; when that fails
 * the registered handler sends the user to /login?next=….
 */
let accessToken: string | null = null;
/**
 * The token answer said `mfa_enrolment_required: true`: the token reaches only GET /me and the
 * TOTP enrolment routes until a second factor is confirmed (and a refresh gives a full token).
 */
let enrolmentRequired = false;
let refreshInFlight: Promise<string | null> | null = null;
let onSessionExpired: (() => void) | null = null;
type TokenListener = (token: string | null, enrolmentRequired: boolean) => void;
const tokenListeners = new Set<TokenListener>();

export function getAccessToken(): string | null {
  return accessToken;
}

export function isEnrolmentRequired(): boolean {
  return accessToken !== null && enrolmentRequired;
}

/** Sets the token of a token answer (login, /auth/mfa, refresh, switch) or clears it (null). */
export function setAccessToken(token: string | null, mfaEnrolmentRequired = false): void {
  accessToken = token;
  enrolmentRequired = token !== null && mfaEnrolmentRequired;
  for (const l of tokenListeners) l(token, enrolmentRequired);
}

/** The access token of a token answer, with its `mfa_enrolment_required` flag. */
export function setSessionFromToken(body: AccessToken): void {
  setAccessToken(body.access_token, body.mfa_enrolment_required === true);
}

export function subscribeToken(listener: TokenListener): () => void {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

export function setSessionExpiredHandler(handler: (() => void) | null): void {
  onSessionExpired = handler;
}

const baseFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

/** Paths that must never trigger a refresh-and-retry (POST /auth/switch takes the bearer token: it may). */
const NO_RETRY = /\/api\/v1\/(auth\/(?!switch$)|activation\/|status$)/;

/** POST /api/v1/auth/refresh, deduplicated. Resolves to the new token or null. */
export function refreshAccessToken(): Promise<string | null> {
  if (!refreshInFlight) {
    refreshInFlight = (async () => {
      try {
        const res = await baseFetch('/api/v1/auth/refresh', {
          method: 'POST',
          credentials: 'include',
          headers: { Accept: 'application/json' },
        });
        if (!res.ok) {
          await drain(res);
          setAccessToken(null);
          return null;
        }
        const body = (await res.json()) as AccessToken;
        setSessionFromToken(body);
        return body.access_token;
      } catch {
        setAccessToken(null);
        return null;
      } finally {
        refreshInFlight = null;
      }
    })();
  }
  return refreshInFlight;
}

/** Reads an unused body to its end, so the request does not stay open in the browser. */
async function drain(res: Response): Promise<void> {
  try {
    await res.arrayBuffer();
  } catch {
    // nothing to drain
  }
}

function withToken(request: Request, token: string | null): Request {
  const headers = new Headers(request.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  else headers.delete('Authorization');
  return new Request(request, { headers });
}

const ENROLMENT_REQUIRED = /\/problems\/mfa-enrolment-required$/;

/**
 * A 403 "/problems/mfa-enrolment-required" (e.g. the employer switched its policy on during the
 * session): remember it, so that RequireAuth sends the user to the enrolment page.
 */
async function noticeEnrolmentRequired(response: Response, token: string | null): Promise<void> {
  if (response.status !== 403 || !token || token !== accessToken || enrolmentRequired) return;
  if (!(response.headers.get('Content-Type') ?? '').includes('json')) return;
  try {
    const problem = (await response.clone().json()) as { type?: unknown };
    if (typeof problem.type === 'string' && ENROLMENT_REQUIRED.test(problem.type) && token === accessToken) {
      setAccessToken(token, true);
    }
  } catch {
    // not a problem body
  }
}

/** fetch used by openapi-fetch: adds the bearer token and handles 401 → refresh → retry. */
export const authFetch = async (input: Request): Promise<Response> => {
  const retryCopy = input.clone();
  const sentWith = accessToken;
  const response = await baseFetch(withToken(input, sentWith));
  await noticeEnrolmentRequired(response, sentWith);
  if (response.status !== 401 || NO_RETRY.test(new URL(input.url).pathname)) return response;
  const token = await refreshAccessToken();
  if (!token) {
    onSessionExpired?.();
    return response;
  }
  await drain(response);
  const retried = await baseFetch(withToken(retryCopy, token));
  await noticeEnrolmentRequired(retried, token);
  if (retried.status === 401) {
    setAccessToken(null);
    onSessionExpired?.();
  }
  return retried;
};

const clientOptions = {
  baseUrl: globalThis.location?.origin ?? 'http://localhost',
  credentials: 'include' as const,
  headers: { Accept: 'application/json' },
  fetch: authFetch,
};

/** The backend's API, typed from ../openapi.yaml. */
export const api = createClient<paths>(clientOptions);

