import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import './i18n';
import './styles.css';
import { App } from './App';
import { AuthProvider, checkSession } from './auth/AuthContext';
import { isApiError } from './api/problem';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: true,
      // Client errors (4xx) will not get better by asking again.
      retry: (count, error) => (!isApiError(error) || error.status >= 500) && count < 2,
    },
  },
});

// Pages are separate chunks. After a deploy the chunks of the previous build are gone, so a tab
// opened before it cannot load the next page: reload it once to get the new build, rather than
// leaving a blank screen. (Once a minute at most, so a chunk that is really missing cannot loop.)
const RELOADED_AT = 'verzuim.reloadedForNewBuild';
window.addEventListener('vite:preloadError', () => {
  const last = Number(sessionStorage.getItem(RELOADED_AT) ?? 0);
  if (Date.now() - last < 60_000) return;
  sessionStorage.setItem(RELOADED_AT, String(Date.now()));
  window.location.reload();
});

// The session check need not wait for the first render; AuthProvider picks up this request.
void checkSession();

const root = document.getElementById('root');
if (!root) throw new Error('#root missing');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <AuthProvider>
          <App />
        </AuthProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
