import type { CombinedError } from 'urql';
import { describeError } from '../lib/errors';

/** A failed request: what happened (from `extensions.code`), the hub's message, what to do. */
export function ErrorNotice({ error }: { error: CombinedError | undefined | null }) {
  if (!error) return null;
  const problem = describeError(error);
  return (
    <div className="notice notice-error" role="alert" data-code={problem.code}>
      <strong>{problem.title}</strong>
      {problem.message && <p>{problem.message}</p>}
      <p className="action">
        <span className="label">What to do: </span>
        {problem.action}
      </p>
    </div>
  );
}

export function Notice({
  tone,
  title,
  children,
}: {
  tone: 'success' | 'info' | 'warning' | 'error';
  title: string;
  children?: React.ReactNode;
}) {
  return (
    <div className={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <strong>{title}</strong>
      {children}
    </div>
  );
}
