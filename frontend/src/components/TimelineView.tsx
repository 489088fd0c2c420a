import { useTranslation } from 'react-i18next';
import type { Timeline } from '../api/types';
import { formatDate } from '../lib/dates';

/**
 * The Poortwachter (Gatekeeper Act) milestones of the open absence, past ones marked as such
 * and the next one highlighted (aria-current="step").
 */
export function TimelineView({ timeline }: { timeline: Timeline }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('timeline.title')}</h2>
      <p>{t('timeline.intro', { date: formatDate(timeline.counting_from, lang) })}</p>
      {typeof timeline.current_week === 'number' ? (
        <p className="timeline__now">{t('timeline.currentWeek', { week: timeline.current_week })}</p>
      ) : null}
      <ol className="timeline__list">
        {timeline.milestones.map((m, i) => {
          const weekLabel =
            m.week_end && m.week_end !== m.week
              ? t('timeline.weeks', { from: m.week, to: m.week_end })
              : t('timeline.week', { week: m.week });
          const when = m.due_date_end
            ? t('timeline.dueRange', { from: formatDate(m.due_date, lang), to: formatDate(m.due_date_end, lang) })
            : t('timeline.due', { date: formatDate(m.due_date, lang) });
          return (
            <li
              key={`${m.key}-${m.week}-${i}`}
              className={`milestone milestone--${m.status}`}
              aria-current={m.status === 'next' ? 'step' : undefined}
              data-status={m.status}
            >
              <span className="milestone__badge">{t(`timeline.state.${m.status}`)}</span>
              <span className="milestone__week">{weekLabel}</span>
              <span className="milestone__title">{t(`timeline.milestones.${m.key}`)}</span>
              <span className="milestone__date">{when}</span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
