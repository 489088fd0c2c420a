import { useEffect } from 'react';
import { Route, Routes, useLocation, useNavigate } from 'react-router';
import { setSessionExpiredHandler } from './api/client';
import { RequireAuth } from './auth/RequireAuth';
import { Layout } from './components/Layout';
import { AbsencesPage } from './pages/Absences';
import { ActivatePage } from './pages/Activate';
import { DossierPage } from './pages/Dossier';
import { ForgotPasswordPage } from './pages/ForgotPassword';
import { HelpPage } from './pages/Help';
import { HomePage } from './pages/Home';
import { LoginPage } from './pages/Login';
import { NotFoundPage } from './pages/NotFound';
import { ProfilePage } from './pages/Profile';
import { RecoveryPage } from './pages/Recovery';
import { ReportSickPage } from './pages/ReportSick';
import { ResetPasswordPage } from './pages/ResetPassword';

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
          <Route path="/help" element={<HelpPage />} />
          <Route element={<RequireAuth />}>
            <Route index element={<HomePage />} />
            <Route path="/report-sick" element={<ReportSickPage />} />
            <Route path="/recovery" element={<RecoveryPage />} />
            <Route path="/absences" element={<AbsencesPage />} />
            <Route path="/dossier" element={<DossierPage />} />
            <Route path="/profile" element={<ProfilePage />} />
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </>
  );
}
