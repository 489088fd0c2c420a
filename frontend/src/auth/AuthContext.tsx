import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import {
  api,
  getAccessToken,
  isEnrolmentRequired,
  refreshAccessToken,
  setAccessToken,
  setSessionFromToken,
  subscribeToken,
} from '../api/client';
import { unwrap } from '../api/problem';
import type { MfaChallenge, SecondFactorAnswer } from '../api/types';
import { getPasskey, loadPasskeyLibrary } from '../lib/passkey';

export type AuthState = 'checking' | 'authenticated' | 'anonymous';

interface AuthContextValue {
  state: AuthState;
  /** True after the user logged out here: protected pages then send to the "logged out" notice. */
  loggedOut: boolean;
  /**
   * The employer requires two-step login and this login has no second factor yet: the token
   * reaches only the enrolment routes, and every protected page sends to /security/setup.
   */
  enrolmentRequired: boolean;
  /**
   * The password step. Resolves to null when logged in, or to the challenge when the login has
   * a second factor (then call `completeMfa`). Throws an ApiError otherwise.
   */
  login: (email: string, password: string) => Promise<MfaChallenge | null>;
  /** The second step: POST /auth/mfa with the code of the app or a recovery code. */
  completeMfa: (mfaToken: string, answer: SecondFactorAnswer) => Promise<void>;
  /**
   * Logs in with a passkey: the second step after the password (with that `mfa_token`), or on
   * its own (without). Throws an ApiError, or the browser's error when no passkey was used.
   */
  loginWithPasskey: (mfaToken?: string) => Promise<void>;
  /** After the enrolment: a refresh gives a full token. Resolves to false when the session ended. */
  finishEnrolment: () => Promise<boolean>;
  /** Acts in another employment of the same person (POST /auth/switch); nothing cached is kept. */
  switchEmployment: (employeeId: string) => Promise<void>;
  /** Ends this session and shows the login page with the "logged out" notice. */
  logout: () => Promise<void>;
  /** Ends every session of the account, then as `logout`. */
  logoutAll: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

let sessionCheck: Promise<string | null> | null = null;

/**
 * Restores the session of this page load from the HttpOnly refresh cookie, once. main.tsx starts
 * it before React renders, so on a slow phone the request runs while the app starts up instead
 * of after the first render; public pages never wait for it.
 */
export function checkSession(): Promise<string | null> {
  sessionCheck ??= getAccessToken() ? Promise.resolve(getAccessToken()) : refreshAccessToken();
  return sessionCheck;
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [state, setState] = useState<AuthState>(() => (getAccessToken() ? 'authenticated' : 'checking'));
  const [enrolmentRequired, setEnrolmentRequired] = useState(isEnrolmentRequired);
  const [loggedOut, setLoggedOut] = useState(false);

  // Keep the state in step with the in-memory token (refreshes, expiry).
  useEffect(
    () =>
      subscribeToken((token, enrolment) => {
        setState(token ? 'authenticated' : 'anonymous');
        setEnrolmentRequired(enrolment);
        if (!token) queryClient.removeQueries({ queryKey: ['me'] });
      }),
    [queryClient],
  );

  // The access token is kept in memory only: after a page load restore the session from the
  // HttpOnly refresh cookie, if there is one.
  useEffect(() => {
    if (getAccessToken()) return;
    let cancelled = false;
    void checkSession().then((token) => {
      if (cancelled) return;
      setState(token ? 'authenticated' : 'anonymous');
      setEnrolmentRequired(isEnrolmentRequired());
    });
    return () => {
      cancelled = true;
    };
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const data = unwrap(await api.POST('/api/v1/auth/login', { body: { email, password } }));
    // The two answers differ by `mfa_required`, present only in the challenge.
    if ('mfa_required' in data) return data;
    setLoggedOut(false);
    setSessionFromToken(data);
    return null;
  }, []);

  const completeMfa = useCallback(
    async (mfaToken: string, answer: SecondFactorAnswer) => {
      const data = unwrap(await api.POST('/api/v1/auth/mfa', { body: { mfa_token: mfaToken, ...answer } }));
      setLoggedOut(false);
      setSessionFromToken(data);
    },
    [],
  );

  const loginWithPasskey = useCallback(async (mfaToken?: string) => {
    const body = mfaToken ? { mfa_token: mfaToken } : {};
    // The browser library loads while the server answers.
    loadPasskeyLibrary().catch(() => undefined);
    const ceremony = unwrap(await api.POST('/api/v1/auth/passkey/start', { body }));
    const credential = await getPasskey(ceremony);
    const data = unwrap(
      await api.POST('/api/v1/auth/passkey/finish', { body: { ceremony_id: ceremony.ceremony_id, credential } }),
    );
    setLoggedOut(false);
    setSessionFromToken(data);
  }, []);

  const finishEnrolment = useCallback(async () => {
    const token = await refreshAccessToken();
    // GET /me now tells that the authenticator app is on.
    await queryClient.invalidateQueries({ queryKey: ['me'] });
    return token !== null;
  }, [queryClient]);

  const switchEmployment = useCallback(
    async (employeeId: string) => {
      const data = unwrap(await api.POST('/api/v1/auth/switch', { body: { employee_id: employeeId } }));
      setSessionFromToken(data);
      // Everything cached belongs to the other employment: drop it all. (Not `clear()`: the
      // queries of the screens on display would keep showing the old data until they mount
      // again; reset, they lose it and fetch anew with the new token.)
      queryClient.getMutationCache().clear();
      queryClient.removeQueries({ type: 'inactive' });
      void queryClient.resetQueries();
      navigate('/', { replace: true });
    },
    [navigate, queryClient],
  );

  // A protected page still on screen when the token goes sends the user to the login page
  // itself (RequireAuth); `loggedOut` makes that the "logged out" notice, not ?next=….
  const endSession = useCallback(() => {
    setLoggedOut(true);
    navigate('/login?loggedout=1', { replace: true });
    setAccessToken(null);
    queryClient.clear();
  }, [navigate, queryClient]);

  const logout = useCallback(async () => {
    try {
      await api.POST('/api/v1/auth/logout');
    } finally {
      endSession();
    }
  }, [endSession]);

  const logoutAll = useCallback(async () => {
    unwrap(await api.POST('/api/v1/auth/logout-all'));
    try {
      await api.POST('/api/v1/auth/logout');
    } finally {
      endSession();
    }
  }, [endSession]);

  const value = useMemo(
    () => ({
      state,
      loggedOut,
      enrolmentRequired: state === 'authenticated' && enrolmentRequired,
      login,
      completeMfa,
      loginWithPasskey,
      finishEnrolment,
      switchEmployment,
      logout,
      logoutAll,
    }),
    [state, loggedOut, enrolmentRequired, login, completeMfa, loginWithPasskey, finishEnrolment, switchEmployment, logout, logoutAll],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
