// Helpers for component tests: a fetch stub that answers like the backend (by method and path),
// and a render of a piece of the app with the providers main.tsx sets up.
import { StrictMode, type ReactNode } from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter, Routes, useLocation } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { vi } from 'vitest';
import { AuthProvider } from '../auth/AuthContext';

export interface Call {
  method: string;
  path: string;
  /** The query string, e.g. `limit` and `cursor` of a paged list. */
  query: URLSearchParams;
  body: unknown;
  authorization: string | null;
}

export type Handler = (call: Call) => Response | Promise<Response>;

/** A JSON answer; 4xx/5xx as problem+json. */
export function json(status: number, body?: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers },
  });
}

export function problem(status: number, type: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return json(status, { type, title: type, status, ...extra }, headers);
}

/**
 * Replaces global fetch. `routes` maps "METHOD /api/v1/path" to a handler, or to a list of
 * handlers used in turn (the last one repeats). Unknown routes answer 404.
 */
export function stubFetch(routes: Record<string, Handler | Handler[]>) {
  const calls: Call[] = [];
  const used = new Map<string, number>();
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request =
      input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const url = new URL(request.url);
    const path = url.pathname;
    const text = request.body ? await request.text() : '';
    const call: Call = {
      method: request.method,
      path,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      authorization: request.headers.get('Authorization'),
    };
    calls.push(call);
    const key = `${request.method} ${path}`;
    const route = routes[key];
    if (!route) return problem(404, '/problems/not-found');
    if (Array.isArray(route)) {
      const n = used.get(key) ?? 0;
      used.set(key, n + 1);
      return route[Math.min(n, route.length - 1)](call);
    }
    return route(call);
  });
  vi.stubGlobal('fetch', fn);
  return {
    calls,
    /** The calls of one route. */
    callsTo: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path),
  };
}

/** Shows where the router is, for assertions on redirects. */
export function LocationProbe() {
  const location = useLocation();
  return <p data-testid="location">{location.pathname + location.search}</p>;
}

/** Renders `routes` (Route elements) at `path` inside the app's providers, under StrictMode. */
export function renderRoutes(routes: ReactNode, path: string) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const result = render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[path]}>
          <AuthProvider>
            <Routes>{routes}</Routes>
            <LocationProbe />
          </AuthProvider>
        </MemoryRouter>
      </QueryClientProvider>
    </StrictMode>,
  );
  return { ...result, queryClient };
}
