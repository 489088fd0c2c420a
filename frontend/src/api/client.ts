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
let refreshInFlight: Promise<string | null> | null = null;
let onSessionExpired: (() => void) | null = null;
const tokenListeners = new Set<(token: string | null) => void>();

export function getAccessToken(): string | null {
  return accessToken;
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
  for (const l of tokenListeners) l(token);
}

export function subscribeToken(listener: (token: string | null) => void): () => void {
  tokenListeners.add(listener);
  return () => tokenListeners.delete(listener);
}

export function setSessionExpiredHandler(handler: (() => void) | null): void {
  onSessionExpired = handler;
}

const baseFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

/** Paths that must never trigger a refresh-and-retry. */
const NO_RETRY = /\/api\/v1\/(auth\/|activation\/|status$)/;

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
        setAccessToken(body.access_token);
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

/** fetch used by openapi-fetch: adds the bearer token and handles 401 → refresh → retry. */
export const authFetch = async (input: Request): Promise<Response> => {
  const retryCopy = input.clone();
  const response = await baseFetch(withToken(input, accessToken));
  if (response.status !== 401 || NO_RETRY.test(new URL(input.url).pathname)) return response;
  const token = await refreshAccessToken();
  if (!token) {
    onSessionExpired?.();
    return response;
  }
  await drain(response);
  const retried = await baseFetch(withToken(retryCopy, token));
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

