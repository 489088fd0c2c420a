import type { ReactNode } from 'react';

type Kind = 'error' | 'success' | 'info' | 'warning';

/**
 * A message box. Errors use role="alert" (announced at once); other kinds role="status".
 * Render the element always and change its content, so the live region is already in the
 * document when the message appears.
 */
export function Alert({ kind, children, id }: { kind: Kind; children?: ReactNode; id?: string }) {
  const role = kind === 'error' ? 'alert' : 'status';
  const empty = children === null || children === undefined || children === false || children === '';
  return (
    <div id={id} role={role} className={empty ? 'live-region' : `alert alert--${kind}`}>
      {empty ? null : children}
    </div>
  );
}
