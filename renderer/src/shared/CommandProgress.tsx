import type { OutboxEntryView } from '../../../app/contract';
import { useSelector } from 'react-redux';
import { outboxSelectors, type outboxSlice } from './outbox-slice';
import { COMMAND_STATE_LABEL } from './command-state';

type Step = 'saved' | 'sent' | 'processing' | 'done';
const STEP_LABEL: Record<Step, string> = {
  saved: 'Saved on this desk',
  sent: 'Sent to the server',
  processing: 'Processing',
  done: 'Done',
};
/** How far each state has come (the last step it has completed). */
const REACHED: Record<string, Step> = {
  queued: 'saved',
  sending: 'saved',
  processing: 'processing',
  done: 'done',
};

/**
 * The steps a command really goes through. Chips name steps, not states: "Queued" is a state
 * (shown in words while it lasts), not a step every command passes — a command sent at once
 * never waited in a queue. Only a payment change has a processing step (the gateway); the
 * others are done when the server accepts them.
 */
function stepsOf(name: string): readonly Step[] {
  return name === 'payments.changeMethod'
    ? ['saved', 'sent', 'processing', 'done']
    : ['saved', 'sent', 'done'];
}

/** Follows one command through saved → sent → (processing →) done, or its refusal, in words. */
export function CommandProgress({ entry, label }: { entry: OutboxEntryView; label: string }) {
  // Typed by the slice it reads, not the app's whole store: shared/ sits below app/.
  const live = useSelector((s: { outbox: ReturnType<typeof outboxSlice.reducer> }) =>
    outboxSelectors.selectById(s.outbox, entry.idempotencyKey),
  );
  const e = live && live.updatedAt >= entry.updatedAt ? live : entry;
  const steps = stepsOf(e.name);
  const last = REACHED[e.state];
  const reached = last === undefined ? -1 : steps.indexOf(last);
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
        {steps.map((s, i) => (
          <li
            key={s}
            className={i <= reached ? 'reached' : undefined}
            aria-current={i === reached ? 'step' : undefined}
          >
            {STEP_LABEL[s]}
            {i <= reached && s !== 'done' && <span className="sr-only"> (done)</span>}
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
