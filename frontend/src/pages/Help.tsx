import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading';
import { StatusBanner } from '../components/StatusBanner';

const TOPICS = [
  'activate',
  'login',
  'forgot',
  'twoStep',
  'twoStepApps',
  'passkey',
  'lostPhone',
  'noCodes',
  'twoEmployers',
  'sick',
  'recovered',
  'documents',
  'answer',
  'accessLog',
  'app',
  'email',
] as const;

export function HelpPage() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeading title={t('help.title')}>{t('help.title')}</PageHeading>
      <StatusBanner />
      <p>{t('help.intro')}</p>
      <div className="faq">
        {TOPICS.map((topic) => (
          <details key={topic} className="faq__item">
            <summary className="faq__question">{t(`help.faq.${topic}Q`)}</summary>
            <p className="faq__answer">{t(`help.faq.${topic}A`)}</p>
          </details>
        ))}
      </div>
    </>
  );
}
