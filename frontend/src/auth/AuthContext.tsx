import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import {
  api,
  getAccessToken,
  refreshAccessToken,
  setAccessToken,
  subscribeToken,
} from '../api/client';
import { unwrap } from '../api/problem';

export type AuthState = 'checking' | 'authenticated' | 'anonymous';

interface AuthContextValue {
  state: AuthState;
  /** True after the user logged out here: protected pages then send to the "logged out" notice. */
  loggedOut: boolean;
  login: (email: string, password: string) => Promise<void>;
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
  const [loggedOut, setLoggedOut] = useState(false);

  // Keep the state in step with the in-memory token (refreshes, expiry).
  useEffect(
    () =>
      subscribeToken((token) => {
        setState(token ? 'authenticated' : 'anonymous');
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
      if (!cancelled) setState(token ? 'authenticated' : 'anonymous');
    });
    return () => {
      cancelled = true;
    };
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const data = unwrap(await api.POST('/api/v1/auth/login', { body: { email, password } }));
    setLoggedOut(false);
    setAccessToken(data.access_token);
  }, []);

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
    () => ({ state, loggedOut, login, logout, logoutAll }),
    [state, loggedOut, login, logout, logoutAll],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
