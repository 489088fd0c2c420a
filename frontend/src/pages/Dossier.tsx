import { useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { draftApi } from '../api/client';
import { unwrap } from '../api/problem';
import { fetchDocuments, queryKeys, useMe } from '../api/queries';
import type { Contact, Document, Me } from '../api/types';
import { Alert } from '../components/Alert';
import { PageHeading } from '../components/PageHeading';
import { formatDate } from '../lib/dates';
import { filenameFromDisposition, formatSize, sanitiseFilename, saveBlob } from '../lib/download';
import { errorMessage } from '../lib/errors';

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'text/plain': '.txt',
};

function ContactCard({ title, contact }: { title: string; contact: Contact }) {
  const { t } = useTranslation();
  return (
    <div className="contact">
      <h3 className="contact__title">{title}</h3>
      {contact.name ? <p className="contact__name">{contact.name}</p> : null}
      <dl className="meta">
        {contact.email ? (
          <div>
            <dt>{t('dossier.contactEmail')}</dt>
            <dd>
              <a href={`mailto:${contact.email}`}>{contact.email}</a>
            </dd>
          </div>
        ) : null}
        {contact.phone ? (
          <div>
            <dt>{t('dossier.contactPhone')}</dt>
            <dd>
              <a href={`tel:${contact.phone.replace(/[^\d+]/g, '')}`}>{contact.phone}</a>
            </dd>
          </div>
        ) : null}
      </dl>
    </div>
  );
}

function hasContact(c: Contact | null | undefined): c is Contact {
  return !!c && !!(c.name || c.email || c.phone);
}

export function DossierPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const me = useMe();
  const [downloading, setDownloading] = useState<string | null>(null);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const query = useInfiniteQuery({
    queryKey: queryKeys.documents,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchDocuments(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const docs = query.data?.pages.flatMap((p) => p.items) ?? [];

  const download = async (doc: Document) => {
    setDownloadError(null);
    setDownloading(doc.id);
    try {
      const res = await draftApi.GET('/api/v1/me/documents/{id}/content', {
        params: { path: { id: doc.id } },
        parseAs: 'blob',
      });
      const blob = unwrap(res) as unknown as Blob;
      const name =
        filenameFromDisposition(res.response.headers.get('Content-Disposition')) ??
        sanitiseFilename(doc.title) + (EXTENSIONS[doc.content_type] ?? '');
      saveBlob(blob, name);
    } catch (err) {
      setDownloadError(err instanceof TypeError ? t('common.networkError') : t('dossier.downloadFailed'));
    } finally {
      setDownloading(null);
    }
  };

  // GET /me does not carry the contacts (yet): read them if and when the backend adds them.
  const contacts = me.data as (Me & { hr_contact?: Contact | null; case_manager?: Contact | null }) | undefined;
  const hr = contacts?.hr_contact;
  const cm = contacts?.case_manager;

  return (
    <>
      <PageHeading title={t('dossier.title')}>{t('dossier.title')}</PageHeading>
      <p>{t('dossier.intro')}</p>
      <Alert kind="error">{downloadError}</Alert>
      {query.isPending ? (
        <p role="status">{t('app.loading')}</p>
      ) : query.isError ? (
        <Alert kind="error">{errorMessage(query.error, t)}</Alert>
      ) : docs.length === 0 ? (
        <p>{t('dossier.empty')}</p>
      ) : (
        <ul className="card-list">
          {docs.map((d) => (
            <li key={d.id} className="card document">
              <h2 className="document__title">{d.title}</h2>
              <p className="small">
                {t('dossier.meta', {
                  category: t(`dossier.categories.${d.category}`),
                  date: formatDate(d.document_date, lang),
                  author: t(`dossier.authors.${d.author_role}`),
                })}
                {' · '}
                {formatSize(d.size, lang)}
              </p>
              <button
                type="button"
                className="button button--secondary"
                onClick={() => void download(d)}
                disabled={downloading === d.id}
                aria-label={t('dossier.downloadLabel', { title: d.title })}
              >
                {downloading === d.id ? t('dossier.downloading') : t('dossier.download')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {query.hasNextPage ? (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => void query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
        >
          {t('common.loadMore')}
        </button>
      ) : null}
      <section className="callout" aria-labelledby="ask-title">
        <h2 id="ask-title" className="callout__title">
          {t('dossier.askTitle')}
        </h2>
        <p>{t('dossier.askIntro')}</p>
        {hasContact(hr) || hasContact(cm) ? (
          <div className="contacts">
            {hasContact(hr) ? <ContactCard title={t('dossier.hrContact')} contact={hr} /> : null}
            {hasContact(cm) ? <ContactCard title={t('dossier.caseManager')} contact={cm} /> : null}
          </div>
        ) : (
          <ul>
            <li>{t('dossier.hrContact')}</li>
            <li>{t('dossier.caseManager')}</li>
          </ul>
        )}
        {me.data && !hasContact(hr) && !hasContact(cm) ? <p className="small">{t('dossier.noContact')}</p> : null}
      </section>
    </>
  );
}
