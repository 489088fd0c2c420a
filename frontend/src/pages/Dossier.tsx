import { useState } from 'react';
import { useInfiniteQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../api/client';
import { unwrap } from '../api/problem';
import { fetchDocuments, queryKeys, useMe } from '../api/queries';
import type { ContactPerson, Document, DocumentList, ResponseView } from '../api/types';
import { Alert } from '../components/Alert';
import { PageHeading } from '../components/PageHeading';
import { formatDate } from '../lib/dates';
import { filenameFromDisposition, formatSize, sanitiseFilename, saveBlob } from '../lib/download';
import { errorMessage } from '../lib/errors';
import { DocumentAnswer } from './DossierAnswer';

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'text/plain': '.txt',
};

export function DossierPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [downloading, setDownloading] = useState<string | null>(null);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [answerError, setAnswerError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const contacts = useMe().data?.dossier_contacts;
  const query = useInfiniteQuery({
    queryKey: queryKeys.documents,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchDocuments(pageParam),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const docs = query.data?.pages.flatMap((p) => p.items) ?? [];

  /** The answer the server stored goes into the list at once (no reload needed). */
  const answered = (response: ResponseView) => {
    setAnswerError(null);
    queryClient.setQueryData<InfiniteData<DocumentList>>(queryKeys.documents, (old) =>
      old
        ? {
            ...old,
            pages: old.pages.map((page) => ({
              ...page,
              items: page.items.map((d) => (d.id === response.document_id ? { ...d, response } : d)),
            })),
          }
        : old,
    );
  };
  const reload = () => void queryClient.invalidateQueries({ queryKey: queryKeys.documents });
  const gone = () => {
    setAnswerError(t('dossier.answer.gone'));
    reload();
  };

  const download = async (doc: Document) => {
    setDownloadError(null);
    setDownloading(doc.id);
    try {
      const res = await api.GET('/api/v1/me/documents/{id}/content', {
        params: { path: { id: doc.id } },
        parseAs: 'blob',
      });
      const blob = unwrap(res) as unknown as Blob;
      const name =
        filenameFromDisposition(res.response.headers.get('Content-Disposition')) ??
        (doc.file_name ? sanitiseFilename(doc.file_name) : sanitiseFilename(doc.title) + (EXTENSIONS[doc.content_type] ?? ''));
      saveBlob(blob, name);
    } catch (err) {
      setDownloadError(err instanceof TypeError ? t('common.networkError') : t('dossier.downloadFailed'));
    } finally {
      setDownloading(null);
    }
  };

  return (
    <>
      <PageHeading title={t('dossier.title')}>{t('dossier.title')}</PageHeading>
      <p>{t('dossier.intro')}</p>
      <Alert kind="error">{downloadError ?? answerError}</Alert>
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
                  author: t(`dossier.authors.${d.published_by.role}`),
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
              <DocumentAnswer doc={d} onAnswered={answered} onStale={reload} onGone={gone} />
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
        <ul className="contacts">
          <ContactItem role={t('dossier.hrContact')} person={contacts?.hr_contact} />
          <ContactItem role={t('dossier.caseManager')} person={contacts?.case_manager} />
        </ul>
      </section>
    </>
  );
}

/** One person to ask, as the employer named them; the role alone when nobody is named. */
function ContactItem({ role, person }: { role: string; person?: ContactPerson | null }) {
  if (!person) return <li>{role}</li>;
  return (
    <li>
      {role}: <strong>{person.name}</strong>
      {person.email ? (
        <a className="contacts__link" href={`mailto:${person.email}`}>
          {person.email}
        </a>
      ) : null}
      {person.phone ? (
        <a className="contacts__link" href={`tel:${person.phone.replace(/[^+\d]/g, '')}`}>
          {person.phone}
        </a>
      ) : null}
    </li>
  );
}
