import { Navigate, Outlet, useLocation } from 'react-router';
import { Loading } from '../components/Loading';
import { useAuth } from './AuthContext';

/** Where a login without the second factor its employer requires has to go first. */
export const ENROLMENT_PATH = '/security/setup';

/**
 * Sends anonymous visitors to /login?next=<where they wanted to go>, and a session whose token
 * is limited to the enrolment (the employer requires two-step login) to the enrolment page.
 */
export function RequireAuth() {
  const { state, loggedOut, enrolmentRequired } = useAuth();
  const location = useLocation();
  if (state === 'checking') return <Loading />;
  if (state === 'anonymous') {
    if (loggedOut) return <Navigate to="/login?loggedout=1" replace />;
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  if (enrolmentRequired && location.pathname !== ENROLMENT_PATH) return <Navigate to={ENROLMENT_PATH} replace />;
  return <Outlet />;
}

/** A `next` parameter is only followed when it is a path on this site. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login')) return '/';
  return next;
}
