import { useTranslation } from 'react-i18next';

/** The notice a screen shows while it waits for something (announced as a status). */
export function Loading() {
  const { t } = useTranslation();
  return (
    <p role="status" className="loading">
      {t('app.loading')}
    </p>
  );
}
