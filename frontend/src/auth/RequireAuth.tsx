import { Navigate, Outlet, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from './AuthContext';

/** Sends anonymous visitors to /login?next=<where they wanted to go>. */
export function RequireAuth() {
  const { state, loggedOut } = useAuth();
  const location = useLocation();
  const { t } = useTranslation();
  if (state === 'checking') {
    return (
      <p role="status" className="loading">
        {t('app.loading')}
      </p>
    );
  }
  if (state === 'anonymous') {
    if (loggedOut) return <Navigate to="/login?loggedout=1" replace />;
    const next = location.pathname + location.search;
    return <Navigate to={`/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

/** A `next` parameter is only followed when it is a path on this site. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login')) return '/';
  return next;
}
