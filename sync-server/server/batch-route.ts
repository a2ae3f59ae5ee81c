import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Principal } from '../auth';
import { applyBatch, batchEnvelopeError, MAX_BATCH_BYTES, type CommandService } from '../commands';
import { HttpError, readJson, sendJson } from '../http';
import type { RecordStorePort } from '../records';
import type { Admission } from './admission';

/** What the batch route needs (a subset of the API's dependencies). */
export interface BatchDeps {
  readonly commands: CommandService;
  readonly store: RecordStorePort;
  readonly admission: Admission;
  readonly log: Logger;
}

/**
 * POST /api/commands/batch: `{commands: [...]}` → `{results: [...]}`, one result
 * per command in request order, each what `POST /api/commands` would have
 * answered for it (`http` is that status) plus its `idempotencyKey`. The request
 * itself is 200 whenever the envelope is acceptable, even if every command was
 * refused; an oversize or malformed envelope is refused whole (413/400).
 */
export async function batchRoute(
  req: IncomingMessage,
  res: ServerResponse,
  p: Principal,
  deps: BatchDeps,
): Promise<void> {
  const raw = await readJson(req, MAX_BATCH_BYTES);
  const refused = batchEnvelopeError(raw);
  if (refused)
    throw new HttpError(
      refused.code === 'COMMAND.BATCH_TOO_LARGE' ? 413 : 400,
      refused.code,
      refused.message,
    );
  const commands = (raw as { commands: unknown[] }).commands;
  const results = await applyBatch(deps.commands, deps.store, commands, p, deps.log);
  deps.admission.catchupApplied(
    results.filter((r) => (r.http === 200 || r.http === 202) && !r.body.repeat).length,
  );
  sendJson(res, 200, {
    results: results.map((r) => ({ idempotencyKey: r.idempotencyKey, http: r.http, ...r.body })),
  });
}
