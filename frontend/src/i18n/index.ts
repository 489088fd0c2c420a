import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import nl from './locales/nl.json';
import en from './locales/en.json';

export const SUPPORTED_LANGUAGES = ['nl', 'en'] as const;
export type AppLanguage = (typeof SUPPORTED_LANGUAGES)[number];
export const DEFAULT_LANGUAGE: AppLanguage = 'nl';

export const resources = {
  nl: { translation: nl },
  en: { translation: en },
} as const;

/** Picks the first supported language of the browser's preference list, else Dutch. */
export function detectBrowserLanguage(
  languages: readonly string[] | undefined = globalThis.navigator?.languages,
): AppLanguage {
  for (const tag of languages ?? []) {
    const base = tag.toLowerCase().split('-')[0];
    if ((SUPPORTED_LANGUAGES as readonly string[]).includes(base)) return base as AppLanguage;
  }
  return DEFAULT_LANGUAGE;
}

export function normaliseLanguage(lng: string | null | undefined): AppLanguage {
  return lng && lng.toLowerCase().startsWith('en') ? 'en' : 'nl';
}

function syncDocumentLanguage(lng: string) {
  if (typeof document !== 'undefined') document.documentElement.lang = normaliseLanguage(lng);
}

i18n.on('languageChanged', syncDocumentLanguage);

void i18n.use(initReactI18next).init({
  resources,
  lng: detectBrowserLanguage(),
  fallbackLng: DEFAULT_LANGUAGE,
  supportedLngs: [...SUPPORTED_LANGUAGES],
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});
syncDocumentLanguage(i18n.language);

export default i18n;
