import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { useAuth } from '../auth/AuthContext';
import { api } from '../api/client';
import { mergeMe, useMe } from '../api/queries';
import { normaliseLanguage } from '../i18n';
import { EmploymentBar } from './EmploymentSwitch';
import { Loading } from './Loading';

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const { state, enrolmentRequired } = useAuth();
  const queryClient = useQueryClient();
  const other = normaliseLanguage(i18n.language) === 'nl' ? 'en' : 'nl';
  const onClick = async () => {
    await i18n.changeLanguage(other);
    // Logged in: the profile language follows the choice (not yet during the enrolment, whose
    // token cannot change the profile).
    if (state === 'authenticated' && !enrolmentRequired) {
      const res = await api.PATCH('/api/v1/me', { body: { language: other } });
      if (res.data) mergeMe(queryClient, res.data);
    }
  };
  return (
    <button type="button" className="button button--link lang-switch" lang={other} onClick={() => void onClick()}>
      <span aria-hidden="true">{t('app.switchLanguage')}</span>
      <span className="visually-hidden">{t('app.switchLanguageLabel')}</span>
    </button>
  );
}

export function Layout() {
  const { t } = useTranslation();
  const { state, enrolmentRequired, logout } = useAuth();
  const authed = state === 'authenticated';
  // While the enrolment is required only the enrolment page can be used: no menu to the others.
  const fullSession = authed && !enrolmentRequired;
  const me = useMe(fullSession);
  const employments = fullSession ? (me.data?.employments ?? []) : [];

  const onLogout = () => logout();

  return (
    <div className="page">
      <a href="#main" className="skip-link">
        {t('app.skipToContent')}
      </a>
      <header className="header">
        <div className="header__bar container">
          <NavLink to="/" className="brand">
            <span className="brand__mark" aria-hidden="true">
              V
            </span>
            <span className="brand__name">{t('app.name')}</span>
          </NavLink>
          <LanguageSwitch />
        </div>
        <nav className="nav" aria-label={t('app.mainNav')}>
          <ul className="nav__list container">
            {fullSession ? (
              <>
                <li>
                  <NavLink to="/" end className="nav__link">
                    {t('nav.home')}
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/absences" className="nav__link">
                    {t('nav.absences')}
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/dossier" className="nav__link">
                    {t('nav.dossier')}
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/profile" className="nav__link">
                    {t('nav.profile')}
                  </NavLink>
                </li>
              </>
            ) : authed ? null : (
              <li>
                <NavLink to="/login" className="nav__link">
                  {t('nav.login')}
                </NavLink>
              </li>
            )}
            <li>
              <NavLink to="/help" className="nav__link">
                {t('nav.help')}
              </NavLink>
            </li>
            {authed ? (
              <li>
                <button type="button" className="nav__link nav__button" onClick={() => void onLogout()}>
                  {t('nav.logout')}
                </button>
              </li>
            ) : null}
          </ul>
        </nav>
        {me.data && employments.length > 1 ? (
          <EmploymentBar key={me.data.id} employments={employments} currentId={me.data.id} />
        ) : null}
      </header>
      <main id="main" className="main container" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
      <footer className="footer">
        <p className="container">{t('app.footer')}</p>
      </footer>
    </div>
  );
}
