import type { Problem } from './types';

/** An error answer of the API (RFC 9457 problem details), thrown by `unwrap`. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Partial<Problem>;
  readonly retryAfter: string | null;

  constructor(status: number, problem: Partial<Problem> | undefined, retryAfter: string | null) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? {};
    this.retryAfter = retryAfter;
  }

  /** Validation messages keyed by field name. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      if (e && typeof e.field === 'string' && !(e.field in out)) out[e.field] = e.message;
    }
    return out;
  }
}

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/** Returns `data` of an openapi-fetch result or throws an ApiError. */
export function unwrap<T>(result: FetchResult<T>): T {
  const { response } = result;
  if (!response.ok || result.error !== undefined) {
    const err = result.error;
    const problem = err && typeof err === 'object' ? (err as Partial<Problem>) : undefined;
    throw new ApiError(response.status, problem, response.headers.get('Retry-After'));
  }
  return result.data as T;
}

export function isApiError(e: unknown, ...statuses: number[]): e is ApiError {
  return e instanceof ApiError && (statuses.length === 0 || statuses.includes(e.status));
}

/**
 * When a blocked login (429) ends: `blocked_until` of the problem, else the Retry-After header
 * (seconds or an HTTP date). Null when neither is usable.
 */
export function blockedUntil(e: ApiError, now: Date = new Date()): Date | null {
  const fromProblem = e.problem.blocked_until;
  if (fromProblem) {
    const d = new Date(fromProblem);
    if (!Number.isNaN(d.getTime())) return d;
  }
  if (e.retryAfter) {
    const trimmed = e.retryAfter.trim();
    if (/^\d+$/.test(trimmed)) return new Date(now.getTime() + Number(trimmed) * 1000);
    const d = new Date(trimmed);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return null;
}
