/** One command of this desk's outbox as the UI shows it (`outbox.list`, `outbox.changed`). */
export interface OutboxEntryView {
  readonly idempotencyKey: string;
  readonly name: string;
  /** queued (offline) → sending → processing → done | rejected | failed; discarded by the operator. */
  readonly state:
    'queued' | 'sending' | 'processing' | 'done' | 'rejected' | 'failed' | 'discarded';
  readonly target: { readonly kind: string; readonly id: string } | null;
  readonly summary: string;
  readonly attempts: number;
  readonly error: { readonly code: string; readonly reason: string } | null;
  /** Why it is still queued or processing, when known (the last transient failure, or the server's note). */
  readonly note: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}
