import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A new set of recovery codes, shown once (after the enrolment, or after "new recovery codes"),
 * with a button that copies them all when the browser allows it.
 */
export function RecoveryCodeList({ codes }: { codes: readonly string[] }) {
  const { t } = useTranslation();
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const canCopy = typeof navigator !== 'undefined' && typeof navigator.clipboard?.writeText === 'function';

  const onCopy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <div className="recovery-codes">
      <ol className="recovery-codes__list" aria-label={t('security.codes.listLabel')}>
        {codes.map((c) => (
          <li key={c} className="recovery-codes__item">
            <code className="recovery-code">{c}</code>
          </li>
        ))}
      </ol>
      {canCopy ? (
        <div className="recovery-codes__copy">
          <button type="button" className="button button--secondary" onClick={() => void onCopy()}>
            {t('security.codes.copy')}
          </button>
          <p role="status" className="recovery-codes__copied">
            {copied === 'yes' ? t('security.codes.copied') : copied === 'failed' ? t('security.codes.copyFailed') : null}
          </p>
        </div>
      ) : null}
    </div>
  );
}
