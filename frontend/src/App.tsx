import { lazy, useEffect, type ComponentType } from 'react';
import { Route, Routes, useLocation, useNavigate } from 'react-router';
import { setSessionExpiredHandler } from './api/client';
import { ENROLMENT_PATH, RequireAuth } from './auth/RequireAuth';
import { Layout } from './components/Layout';
import { LoginPage } from './pages/Login';

/** A page in its own chunk, fetched on first visit (Layout shows a loading notice meanwhile). */
function lazyPage<K extends string>(load: () => Promise<Record<K, ComponentType>>, name: K) {
  return lazy(() => load().then((module) => ({ default: module[name] })));
}

// Only the login page is in the entry chunk: every visit without a session starts there, and it
// has to be usable quickly on a slow phone (issue 7).
const AbsencesPage = lazyPage(() => import('./pages/Absences'), 'AbsencesPage');
const ActivatePage = lazyPage(() => import('./pages/Activate'), 'ActivatePage');
const ConfirmEmailPage = lazyPage(() => import('./pages/ConfirmEmail'), 'ConfirmEmailPage');
const DossierPage = lazyPage(() => import('./pages/Dossier'), 'DossierPage');
const ForgotPasswordPage = lazyPage(() => import('./pages/ForgotPassword'), 'ForgotPasswordPage');
const HelpPage = lazyPage(() => import('./pages/Help'), 'HelpPage');
const HomePage = lazyPage(() => import('./pages/Home'), 'HomePage');
const NotFoundPage = lazyPage(() => import('./pages/NotFound'), 'NotFoundPage');
const ProfilePage = lazyPage(() => import('./pages/Profile'), 'ProfilePage');
const RecoveryPage = lazyPage(() => import('./pages/Recovery'), 'RecoveryPage');
const ReportSickPage = lazyPage(() => import('./pages/ReportSick'), 'ReportSickPage');
const ResetPasswordPage = lazyPage(() => import('./pages/ResetPassword'), 'ResetPasswordPage');
const SecuritySetupPage = lazyPage(() => import('./pages/SecuritySetup'), 'SecuritySetupPage');

/** When a refresh fails mid-session: to /login?next=<current page>, and back after login. */
function SessionExpiryRedirect() {
  const navigate = useNavigate();
  const location = useLocation();
  useEffect(() => {
    setSessionExpiredHandler(() => {
      if (location.pathname === '/login') return;
      const next = encodeURIComponent(location.pathname + location.search);
      navigate(`/login?expired=1&next=${next}`, { replace: true });
    });
    return () => setSessionExpiredHandler(null);
  }, [navigate, location]);
  return null;
}

export function App() {
  return (
    <>
      <SessionExpiryRedirect />
      <Routes>
        <Route element={<Layout />}>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/forgot-password" element={<ForgotPasswordPage />} />
          <Route path="/reset-password/:token" element={<ResetPasswordPage />} />
          <Route path="/activate/:token" element={<ActivatePage />} />
          <Route path="/confirm-email/:token" element={<ConfirmEmailPage />} />
          <Route path="/help" element={<HelpPage />} />
          <Route element={<RequireAuth />}>
            <Route index element={<HomePage />} />
            <Route path="/report-sick" element={<ReportSickPage />} />
            <Route path="/recovery" element={<RecoveryPage />} />
            <Route path="/absences" element={<AbsencesPage />} />
            <Route path="/dossier" element={<DossierPage />} />
            <Route path="/profile" element={<ProfilePage />} />
            <Route path={ENROLMENT_PATH} element={<SecuritySetupPage />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </>
  );
}
