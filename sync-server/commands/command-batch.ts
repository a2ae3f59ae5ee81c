import type { Logger } from 'pino';
import type { Principal } from '../auth';
import type { RecordStorePort } from '../records';
import { commandFootprint } from './command-footprint';
import type { CommandReply, CommandService, PreparedCommand } from './command-service';

/** Most commands one batch may carry (README: "Batch command API"). */
export const MAX_BATCH_COMMANDS = 500;
/** Largest batch request body; a single command may be at most 16 KiB, a typical one ~0.4 KiB. */
export const MAX_BATCH_BYTES = 1024 * 1024;
/**
 * Commands per write transaction. Transactions are serial, so this bounds how
 * long an interactive command can wait behind one chunk of someone's backlog
 * (~25 cancels ≈ 5–10 ms of the writer here, more on a loaded machine) while still amortizing commits.
 */
export const BATCH_CHUNK = 25;

/** One command's answer inside a batch: what the single endpoint would have said, plus its key. */
export type BatchItemReply =
  | ({ readonly idempotencyKey: string | null } & CommandReply)
  | {
      readonly idempotencyKey: string | null;
      readonly http: 500;
      readonly body: { readonly code: 'COMMAND.INTERNAL'; readonly message: string };
    };

export type BatchRefusal = { readonly code: string; readonly message: string };

/** Checks the envelope `{commands: [...]}`; null when acceptable. */
export function batchEnvelopeError(raw: unknown): BatchRefusal | null {
  const commands =
    typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['commands'] : null;
  if (!Array.isArray(commands))
    return { code: 'COMMAND.BATCH_INVALID', message: 'Send {"commands": [ …commands… ]}.' };
  if (commands.length > MAX_BATCH_COMMANDS)
    return {
      code: 'COMMAND.BATCH_TOO_LARGE',
      message: `A batch holds at most ${MAX_BATCH_COMMANDS} commands; this one has ${commands.length}. Split it.`,
    };
  return null;
}

const keyOf = (raw: unknown): string | null => {
  const key =
    typeof raw === 'object' && raw !== null
      ? (raw as Record<string, unknown>)['idempotencyKey']
      : null;
  return typeof key === 'string' ? key.slice(0, 80) : null;
};

const INTERNAL = {
  http: 500,
  body: {
    code: 'COMMAND.INTERNAL',
    message: 'Something went wrong on the server; this command was not applied. Send it again.',
  },
} as const;

const INTERNAL_FOR = (key: string | null): BatchItemReply => ({ idempotencyKey: key, ...INTERNAL });

/**
 * Applies a batch with the same checks and handlers as the single endpoint
 * (`CommandService.prepare` / `applyIn`), in request order, `BATCH_CHUNK`
 * commands per transaction. Order in the request is apply order, so commands
 * on the same record keep theirs; a key repeated inside the batch sees the
 * first one (same body: its outcome with `repeat`; other body: 409 for that
 * item only). If a handler throws, its chunk rolls back and is re-run one
 * command per transaction, so only the failing command gets `COMMAND.INTERNAL`.
 */
export async function applyBatch(
  service: CommandService,
  store: RecordStorePort,
  commands: readonly unknown[],
  principal: Principal,
  log: Logger,
): Promise<BatchItemReply[]> {
  const prepared = commands.map((raw) => service.prepare(raw, principal));
  const replies: BatchItemReply[] = prepared.map((p, i) =>
    p.ok ? INTERNAL_FOR(keyOf(commands[i])) : { idempotencyKey: keyOf(commands[i]), ...p.reply },
  );
  const valid = prepared.flatMap((p, i) => (p.ok ? [{ p, i }] : []));
  for (let start = 0; start < valid.length; start += BATCH_CHUNK) {
    // Every await below settles at once (SQLite is synchronous underneath), so without
    // this a backlog of batches runs as one long microtask chain and the event loop
    // reads no socket — not /readyz, not the agent's single command — until it ends.
    await new Promise((resolve) => setImmediate(resolve));
    const chunk = valid.slice(start, start + BATCH_CHUNK);
    try {
      await applyChunk(service, store, chunk, principal, replies);
    } catch (error) {
      log.error({ err: error, user: principal.userId }, 'command batch chunk failed; one by one');
      for (const item of chunk) {
        try {
          await applyChunk(service, store, [item], principal, replies);
        } catch (single) {
          log.error({ err: single, key: item.p.command.idempotencyKey }, 'command failed');
          replies[item.i] = INTERNAL_FOR(item.p.command.idempotencyKey);
        }
      }
    }
  }
  return replies;
}

async function applyChunk(
  service: CommandService,
  store: RecordStorePort,
  chunk: readonly { p: PreparedCommand & { ok: true }; i: number }[],
  principal: Principal,
  replies: BatchItemReply[],
): Promise<void> {
  const done = await store.transact(async (tx) => {
    // The chunk's records in one read, not one read each while the writer lock is held.
    await tx.prefetch?.(chunk.flatMap(({ p }) => commandFootprint(p.command)));
    const out: { i: number; reply: CommandReply; after?: () => void }[] = [];
    for (const { p, i } of chunk) {
      const applied = await service.applyIn(tx, p, principal);
      out.push({
        i,
        reply: applied.reply,
        ...(applied.afterCommit ? { after: applied.afterCommit } : {}),
      });
    }
    return out;
  });
  // Only after the commit: outcomes become true, follow-ups (payment processor) may start.
  for (const [n, { i, reply, after }] of done.entries()) {
    const item = chunk[n];
    if (item) service.report(item.p.command, principal, reply);
    replies[i] = { idempotencyKey: item?.p.command.idempotencyKey ?? null, ...reply };
    after?.();
  }
}
