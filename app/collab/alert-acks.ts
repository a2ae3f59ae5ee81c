import { z } from 'zod';
import type * as Y from 'yjs';
import { validateNoteText } from '../../domain/contact-center';
import { err, findCardData, ok, parseId, type Result } from '../../domain/shared';
import type { BoardDoc } from './board-model';
import { LOCAL_ORIGIN } from './transaction-origins';

/**
 * Alert acknowledgements, shared through the region's dispatch document of the day
 * (`dispatch/<region>/<yyyy-mm-dd>`, which fleet managers and supervisors may write and agents
 * only read). One root map `alert-acks`: alertKey → AlertAck, last writer wins per alert.
 * An ack names the alert's cause when it was taken; the UI treats an alert whose cause has
 * changed since as new. A new day starts a new document, so acks last until midnight UTC.
 */
export interface AlertAck {
  readonly alertKey: string;
  readonly cause: string;
  readonly userId: string;
  readonly at: number;
  readonly reason: string | null;
}

export const MIN_ACK_REASON = 3;
export const MAX_ACK_REASON = 200;

const ackSchema: z.ZodType<AlertAck> = z.object({
  alertKey: z.string().min(1).max(120),
  cause: z.string().min(1).max(120),
  userId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$/),
  at: z.number().int().nonnegative(),
  reason: z.string().max(MAX_ACK_REASON).nullable(),
});

const acksOf = (doc: BoardDoc): Y.Map<unknown> => doc.ydoc.getMap<unknown>('alert-acks');

/** Records who took an alert; a critical one needs a short reason (never card data). */
export function acknowledgeAlert(
  doc: BoardDoc,
  input: { alertKey: string; cause: string; critical: boolean; reason?: string | undefined },
  userId: string,
  at: number,
): Result<AlertAck> {
  const user = parseId('User', userId);
  if (!user.ok) return user;
  const reason = input.reason?.trim() ?? '';
  if (input.critical && reason.length < MIN_ACK_REASON)
    return err(
      'ALERT.REASON_REQUIRED',
      `A critical alert needs a short reason (at least ${MIN_ACK_REASON} characters).`,
    );
  if (reason.length > MAX_ACK_REASON || reason.includes('\n'))
    return err(
      'ALERT.REASON_TOO_LONG',
      `A reason is one line of at most ${MAX_ACK_REASON} characters.`,
    );
  // The note rules: refuses card numbers and security codes (NOTE.CONTAINS_*), like the server.
  if (reason !== '') {
    const valid = validateNoteText(reason);
    if (!valid.ok) return valid;
  }
  // The server refuses a document update holding anything card-shaped (card-data.guard.ts), in
  // any field. Refuse it here too, so the desk never shows as taken what would never leave it.
  if (findCardData(input.alertKey) !== null || findCardData(input.cause) !== null)
    return err(
      'ALERT.CAUSE_INVALID',
      'This alert cannot be acknowledged: its key or cause looks like card data.',
    );
  const ack: AlertAck = {
    alertKey: input.alertKey,
    cause: input.cause,
    userId,
    at,
    reason: reason === '' ? null : reason,
  };
  doc.ydoc.transact(() => acksOf(doc).set(input.alertKey, ack), LOCAL_ORIGIN);
  return ok(ack);
}

/** Every valid acknowledgement in the document (malformed values from faulty clients skipped). */
export function readAlertAcks(doc: BoardDoc): AlertAck[] {
  return [...acksOf(doc).values()]
    .flatMap((raw) => {
      const parsed = ackSchema.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    })
    .sort((a, b) => (a.alertKey < b.alertKey ? -1 : a.alertKey > b.alertKey ? 1 : 0));
}

/**
 * The acknowledgements in force across several days' documents (oldest first): a later day's
 * ack of an alert replaces an earlier one. An outage acknowledged at 23:50 UTC is still
 * acknowledged at 00:10, in the new day's document; its cause (which names when it began)
 * decides, as always, whether the ack still covers the alert.
 */
export function readAlertAcksAcross(docs: readonly BoardDoc[]): AlertAck[] {
  const byKey = new Map<string, AlertAck>();
  for (const doc of docs) for (const ack of readAlertAcks(doc)) byKey.set(ack.alertKey, ack);
  return [...byKey.values()].sort((a, b) =>
    a.alertKey < b.alertKey ? -1 : a.alertKey > b.alertKey ? 1 : 0,
  );
}

/** Calls `listener` after every transaction (local or remote) that changed an acknowledgement. */
export function observeAlertAcks(doc: BoardDoc, listener: () => void): () => void {
  const acks = acksOf(doc);
  const handler = (): void => listener();
  acks.observe(handler);
  return () => acks.unobserve(handler);
}
