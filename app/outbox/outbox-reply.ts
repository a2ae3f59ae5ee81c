import type { CommandOutcome } from '../../domain/protocol';
import type { OutboxEntry, OutboxStore } from './outbox-store';

/** What one answer from the server means for one outbox entry. */
export type Verdict =
  | { readonly kind: 'outcome'; readonly outcome: CommandOutcome }
  /** Try again later: offline, server trouble, shed by admission control, expired session. */
  | { readonly kind: 'transient'; readonly status: number; readonly retryAfterMs: number | null }
  /** The server refused the request itself (malformed, forbidden, key reused): needs a person. */
  | { readonly kind: 'refused'; readonly code: string; readonly reason: string };

type Fields = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Classifies an HTTP status and body, from `POST /api/commands` or one item of
 * a batch result (`http` + the same fields). Retry-After travels in the body
 * as `retryAfterS` as well as in the header, so it needs no header access.
 */
export function verdictOf(status: number, raw: unknown): Verdict {
  // The body may be null (an empty reply) or text (a proxy's error page).
  const body: Fields = typeof raw === 'object' && raw !== null ? (raw as Fields) : {};
  if (status === 200 || status === 202) {
    if (body['status'] === 'rejected')
      return {
        kind: 'outcome',
        outcome: {
          status: 'rejected',
          code: str(body['code']) ?? 'COMMAND.REJECTED',
          reason: str(body['reason']) ?? 'The server rejected this command.',
        },
      };
    const resultingVersion =
      typeof body['resultingVersion'] === 'number' ? body['resultingVersion'] : 0;
    return {
      kind: 'outcome',
      outcome: {
        status: body['status'] === 'processing' ? 'processing' : 'accepted',
        resultingVersion,
      },
    };
  }
  if (status === 0 || status >= 500 || status === 429 || status === 401) {
    const s = body['retryAfterS'];
    return {
      kind: 'transient',
      status,
      retryAfterMs: typeof s === 'number' && s > 0 && s < 3600 ? s * 1000 : null,
    };
  }
  return {
    kind: 'refused',
    code: str(body['code']) ?? `HTTP.${status}`,
    reason: str(body['message']) ?? 'The server refused this request.',
  };
}

/** What the operator reads under a command that waits to be sent again. */
export function waitingNote(status: number): string {
  if (status === 0)
    return 'The server cannot be reached; this will be sent automatically when the connection is back.';
  if (status === 401)
    return 'Your session has to be renewed; this will be sent once you are signed in again.';
  if (status === 429 || status === 503)
    return 'The server is catching up with many desks; this will be sent automatically in a moment.';
  return `The server is having trouble (HTTP ${status}); this will be retried automatically.`;
}

/**
 * Writes a verdict into the entry's row (call inside one transaction for a
 * batch). `retryAt` is when a transient failure is due again.
 */
export function recordVerdict(
  store: OutboxStore,
  entry: OutboxEntry,
  verdict: Verdict,
  now: number,
  retryAt: number,
): void {
  const key = entry.idempotencyKey;
  if (verdict.kind === 'outcome') {
    const o = verdict.outcome;
    if (o.status === 'rejected')
      store.setState(key, 'rejected', now, { code: o.code, reason: o.reason });
    else
      store.setState(key, o.status === 'processing' ? 'processing' : 'done', now, {
        resultingVersion: o.resultingVersion,
      });
  } else if (verdict.kind === 'transient') {
    store.backOff(key, retryAt, now, waitingNote(verdict.status));
  } else {
    store.setState(key, 'failed', now, { code: verdict.code, reason: verdict.reason });
  }
}

/** The connection state a verdict implies, for the sync status. */
export function connectionOf(verdict: Verdict): 'online' | 'offline' | 'unauthorized' {
  if (verdict.kind !== 'transient') return 'online';
  // Shed by admission control: the server answered and said when to come back.
  if (verdict.retryAfterMs !== null) return 'online';
  return verdict.status === 401 ? 'unauthorized' : 'offline';
}
