import type { CommandOutcome } from '../../domain/protocol';
import type { RecordTx } from '../records';

/**
 * Where a command stands, as published to its issuer through the change feed.
 * "processing" moves on to "done" or "failed" when the background work (a
 * payment change waiting on the gateway) finishes.
 */
export type CommandStatus =
  | { readonly status: 'accepted' | 'done' }
  /** `note`: why it is still processing, in words an agent can pass on (e.g. the gateway is down). */
  | { readonly status: 'processing'; readonly note?: string }
  | { readonly status: 'rejected' | 'failed'; readonly code: string; readonly reason: string };

/**
 * The stored record of one idempotency key (kind "command", owner = issuer).
 * It is the idempotency ledger too: written in the same transaction as the
 * command's effects, so "effect applied" and "outcome remembered" cannot diverge.
 */
export interface CommandRecordBody {
  readonly name: string;
  /** sha-256 of the canonical command body: the same key with another body is refused. */
  readonly bodyHash: string;
  readonly issuedBy: string;
  readonly receivedAt: number;
  /** Returned verbatim for every repeat of the key. */
  readonly firstOutcome: CommandOutcome;
  readonly current: CommandStatus;
  /** The record the command acted on, so a desktop can drop its optimistic overlay. */
  readonly target: { readonly kind: string; readonly id: string } | null;
}

export const statusOf = (outcome: CommandOutcome): CommandStatus =>
  outcome.status === 'rejected'
    ? { status: 'rejected', code: outcome.code, reason: outcome.reason }
    : outcome.status === 'processing'
      ? { status: 'processing' }
      : { status: 'done' };

/**
 * Tells the issuer why a processing command is still waiting (written once per
 * note, so a long outage does not churn the feed). No-op once it has finished.
 */
export async function noteWaiting(tx: RecordTx, key: string, note: string): Promise<void> {
  const record = await tx.get<CommandRecordBody>('command', key);
  if (!record) return;
  const current = record.body.current;
  if (current.status !== 'processing' || current.note === note) return;
  await tx.put(
    'command',
    key,
    record.version + 1,
    { ...record.body, current: { status: 'processing', note } },
    record.owner,
  );
}

/** Moves a processing command to its final status (idempotent: a finished command stays finished). */
export async function finishCommand(
  tx: RecordTx,
  key: string,
  final: CommandStatus,
): Promise<void> {
  const record = await tx.get<CommandRecordBody>('command', key);
  if (!record || record.body.current.status !== 'processing') return;
  await tx.put(
    'command',
    key,
    record.version + 1,
    { ...record.body, current: final },
    record.owner,
  );
}
