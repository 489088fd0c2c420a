import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';
import { useTranslation } from 'react-i18next';

interface FieldShellProps {
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  optional?: boolean;
}

function describedBy(...ids: (string | false | null | undefined)[]): string | undefined {
  const s = ids.filter(Boolean).join(' ');
  return s || undefined;
}

function Label({ htmlFor, label, optional }: { htmlFor: string; label: ReactNode; optional?: boolean }) {
  const { t } = useTranslation();
  return (
    <label htmlFor={htmlFor} className="field__label">
      {label}
      {optional ? <span className="field__optional"> ({t('common.optional')})</span> : null}
    </label>
  );
}

export type TextFieldProps = FieldShellProps &
  Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & { id?: string; extraDescribedBy?: string };

/** A labelled input whose hint and error are tied to it with aria-describedby. */
export function TextField({ label, hint, error, optional, id, extraDescribedBy, className, ...input }: TextFieldProps) {
  const auto = useId();
  const inputId = id ?? `f${auto}`;
  const hintId = hint ? `${inputId}-hint` : null;
  const errorId = `${inputId}-error`;
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <Label htmlFor={inputId} label={label} optional={optional} />
      {hint ? (
        <p id={hintId ?? undefined} className="field__hint">
          {hint}
        </p>
      ) : null}
      <p id={errorId} className="field__error">
        {error ? error : null}
      </p>
      <input
        id={inputId}
        className={`input${className ? ` ${className}` : ''}`}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hintId, error && errorId, extraDescribedBy)}
        {...input}
      />
    </div>
  );
}

/**
 * The 6 digits of an authenticator app: a numeric keyboard on phones, the browser's one-time-code
 * autofill, no spelling or capitals. Spaces are allowed (people copy "123 456").
 */
export function CodeField(props: Omit<TextFieldProps, 'type'>) {
  return (
    <TextField
      type="text"
      name="one-time-code"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9 ]*"
      autoCapitalize="none"
      spellCheck={false}
      className="input--code"
      {...props}
    />
  );
}

/** A recovery code as typed from paper: no autofill, capitals or spelling correction. */
export function RecoveryCodeField(props: Omit<TextFieldProps, 'type'>) {
  return (
    <TextField
      type="text"
      name="recovery-code"
      autoComplete="off"
      autoCapitalize="none"
      autoCorrect="off"
      spellCheck={false}
      {...props}
    />
  );
}

export type SelectFieldProps = FieldShellProps &
  Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'> & { id?: string; children: ReactNode };

export function SelectField({ label, hint, error, optional, id, children, ...select }: SelectFieldProps) {
  const auto = useId();
  const selectId = id ?? `f${auto}`;
  const hintId = hint ? `${selectId}-hint` : null;
  const errorId = `${selectId}-error`;
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <Label htmlFor={selectId} label={label} optional={optional} />
      {hint ? (
        <p id={hintId ?? undefined} className="field__hint">
          {hint}
        </p>
      ) : null}
      <p id={errorId} className="field__error">
        {error ? error : null}
      </p>
      <select
        id={selectId}
        className="select"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hintId, error && errorId)}
        {...select}
      >
        {children}
      </select>
    </div>
  );
}

export interface YesNoFieldProps {
  name: string;
  legend: ReactNode;
  hint?: ReactNode;
  value: boolean | null;
  onChange: (value: boolean | null) => void;
  /** Show a third "no answer" option (for optional questions). */
  allowNoAnswer?: boolean;
  noAnswerLabel?: string;
}

/** A yes/no question as a fieldset of radio buttons. */
export function YesNoField({ name, legend, hint, value, onChange, allowNoAnswer, noAnswerLabel }: YesNoFieldProps) {
  const { t } = useTranslation();
  const auto = useId();
  const hintId = hint ? `${name}${auto}-hint` : undefined;
  const opts: { key: string; label: string; v: boolean | null }[] = [
    { key: 'yes', label: t('common.yes'), v: true },
    { key: 'no', label: t('common.no'), v: false },
  ];
  if (allowNoAnswer) opts.push({ key: 'none', label: noAnswerLabel ?? t('report.noAnswer'), v: null });
  return (
    <fieldset className="fieldset" aria-describedby={hintId}>
      <legend className="fieldset__legend">{legend}</legend>
      {hint ? (
        <p id={hintId} className="field__hint">
          {hint}
        </p>
      ) : null}
      <div className="radios radios--inline">
        {opts.map((o) => {
          const id = `${name}${auto}-${o.key}`;
          return (
            <div className="radio" key={o.key}>
              <input
                type="radio"
                id={id}
                name={`${name}${auto}`}
                checked={value === o.v}
                onChange={() => onChange(o.v)}
              />
              <label htmlFor={id}>{o.label}</label>
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}

export type TextAreaFieldProps = FieldShellProps &
  Omit<import('react').TextareaHTMLAttributes<HTMLTextAreaElement>, 'id'> & {
    id?: string;
    extraDescribedBy?: string;
    /** Shown under the text area, inside the field (a character counter, say). */
    after?: ReactNode;
  };

export function TextAreaField({ label, hint, error, optional, id, extraDescribedBy, after, ...area }: TextAreaFieldProps) {
  const auto = useId();
  const areaId = id ?? `f${auto}`;
  const hintId = hint ? `${areaId}-hint` : null;
  const errorId = `${areaId}-error`;
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <Label htmlFor={areaId} label={label} optional={optional} />
      {hint ? (
        <p id={hintId ?? undefined} className="field__hint">
          {hint}
        </p>
      ) : null}
      <p id={errorId} className="field__error">
        {error ? error : null}
      </p>
      <textarea
        id={areaId}
        className="textarea"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(hintId, error && errorId, extraDescribedBy)}
        {...area}
      />
      {after}
    </div>
  );
}
