import type { OutboxEntryView } from '../../../../app/contract';
import { useAppSelector } from '../../app/store';
import { outboxSelectors } from '../outbox/outbox-slice';
import { COMMAND_STATE_LABEL } from './agent-format';

const STEPS = ['queued', 'sending', 'processing', 'done'] as const;

/** Follows one command through queued → sending → processing → done (or its refusal, in words). */
export function CommandProgress({ entry, label }: { entry: OutboxEntryView; label: string }) {
  const live = useAppSelector((s) => outboxSelectors.selectById(s.outbox, entry.idempotencyKey));
  const e = live && live.updatedAt >= entry.updatedAt ? live : entry;
  const reached = STEPS.indexOf(e.state as (typeof STEPS)[number]);
  const settledBad = e.state === 'rejected' || e.state === 'failed' || e.state === 'discarded';
  return (
    <div
      className="command-progress"
      aria-label={label}
      role="group"
      data-idempotency-key={e.idempotencyKey}
    >
      <p role="status" aria-live="polite">
        {label}: <span className={`badge state-${e.state}`}>{COMMAND_STATE_LABEL[e.state]}</span>
      </p>
      <ol className="steps" aria-label={`${label} steps`}>
        {STEPS.map((s, i) => (
          <li
            key={s}
            className={i <= reached ? 'reached' : undefined}
            aria-current={i === reached ? 'step' : undefined}
          >
            {COMMAND_STATE_LABEL[s]}
          </li>
        ))}
      </ol>
      {!settledBad && e.state !== 'done' && e.note && (
        <p className="muted" data-testid="command-note">
          {e.note}
        </p>
      )}
      {settledBad && e.error && (
        <p role="alert" className="error">
          {e.error.reason}
        </p>
      )}
    </div>
  );
}
