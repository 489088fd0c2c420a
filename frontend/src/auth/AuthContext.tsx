import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
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
  login: (email: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  logoutAll: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<AuthState>(() => (getAccessToken() ? 'authenticated' : 'checking'));

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
    void refreshAccessToken().then((token) => {
      if (!cancelled) setState(token ? 'authenticated' : 'anonymous');
    });
    return () => {
      cancelled = true;
    };
  }, []);

  const login = useCallback(async (email: string, password: string) => {
    const data = unwrap(await api.POST('/api/v1/auth/login', { body: { email, password } }));
    setAccessToken(data.access_token);
  }, []);

  const endSession = useCallback(() => {
    setAccessToken(null);
    queryClient.clear();
  }, [queryClient]);

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

  const value = useMemo(() => ({ state, login, logout, logoutAll }), [state, login, logout, logoutAll]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}
