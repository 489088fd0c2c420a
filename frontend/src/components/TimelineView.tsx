import { useTranslation } from 'react-i18next';
import type { Timeline } from '../api/types';
import { formatDate } from '../lib/dates';

type Step = Timeline['milestones'][number];

/** "Evaluatie van het plan van aanpak 2": the evaluations share one label and are numbered. */
function stepTitle(step: Step, t: (key: string, options?: Record<string, unknown>) => string) {
  const title = t(`timeline.milestones.${step.kind}`);
  const number = /_(\d+)$/.exec(step.key)?.[1];
  return step.kind === 'evaluation' && number ? `${title} ${number}` : title;
}

/**
 * The Poortwachter (Gatekeeper Act) steps of the open absence at a glance: done, late, and the
 * one due next highlighted (aria-current="step"); steps a recovery made unnecessary are marked.
 */
export function TimelineView({ timeline }: { timeline: Timeline }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const late = timeline.milestones.filter((m) => m.status === 'late').length;
  return (
    <section className="timeline" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('timeline.title')}</h2>
      <p>{t('timeline.intro', { date: formatDate(timeline.counting_from, lang) })}</p>
      {typeof timeline.current_week === 'number' ? (
        <p className="timeline__now">{t('timeline.currentWeek', { week: timeline.current_week })}</p>
      ) : null}
      {late > 0 ? <p className="timeline__late">{t('timeline.lateSummary', { count: late })}</p> : null}
      <ol className="timeline__list">
        {timeline.milestones.map((m) => {
          const weekLabel =
            m.week_end && m.week_end !== m.week
              ? t('timeline.weeks', { from: m.week, to: m.week_end })
              : t('timeline.week', { week: m.week });
          const when =
            m.status === 'done' && m.done_on
              ? t('timeline.doneOn', { date: formatDate(m.done_on, lang) })
              : m.due_date_end
                ? t('timeline.dueRange', { from: formatDate(m.due_date, lang), to: formatDate(m.due_date_end, lang) })
                : t('timeline.due', { date: formatDate(m.due_date, lang) });
          return (
            <li
              key={m.key}
              className={`milestone milestone--${m.status}`}
              aria-current={m.status === 'due' ? 'step' : undefined}
              data-status={m.status}
              data-step={m.key}
            >
              <span className="milestone__badge">{t(`timeline.state.${m.status}`)}</span>
              <span className="milestone__week">{weekLabel}</span>
              <span className="milestone__title">{stepTitle(m, t)}</span>
              <span className="milestone__date">{when}</span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
