import { escapeIdentifier, type Pool } from 'pg';
import type { Logger } from 'pino';
import * as Y from 'yjs';
import { inPostgresTransaction } from '../storage';
import type { HeldLease } from './lease';

/*
 * Yjs log compaction of the scale-out mode, as one leased job instead of inside each hub: every
 * instance may have a document loaded, and each would otherwise compact it on its own. The
 * holder looks for documents whose update log has grown past `threshold` rows and replaces
 * their rows up to the current head by one row holding the merged state (as the DocStore
 * contract's `compact` does), merging the stored rows only, never a live document. Each
 * document is one transaction, fenced by the lease; appends above the head are untouched.
 */

export interface CompactionJobOptions {
  readonly pool: Pool;
  readonly schema: string;
  readonly threshold: number;
  readonly intervalMs: number;
  readonly log: Logger;
}

export function startYjsCompactionJob(
  opts: CompactionJobOptions,
  lease: HeldLease,
): () => Promise<void> {
  const s = escapeIdentifier(opts.schema);
  const updates = `${s}.yjs_updates`;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();

  const compactOne = (doc: string, upto: number): Promise<number> =>
    inPostgresTransaction(opts.pool, async (client) => {
      await lease.fence(client);
      const { rows } = await client.query<{ data: Buffer }>(
        `SELECT data FROM ${updates} WHERE doc = $1 AND seq <= $2 ORDER BY seq`,
        [doc, upto],
      );
      if (rows.length < 2) return 0;
      const ydoc = new Y.Doc();
      for (const row of rows) Y.applyUpdate(ydoc, row.data);
      const merged = Y.encodeStateAsUpdate(ydoc);
      ydoc.destroy();
      await client.query(`DELETE FROM ${updates} WHERE doc = $1 AND seq <= $2`, [doc, upto]);
      await client.query(`INSERT INTO ${updates} (doc, seq, data) VALUES ($1, $2, $3)`, [
        doc,
        upto,
        Buffer.from(merged),
      ]);
      return rows.length;
    });

  const runPass = async (): Promise<void> => {
    const { rows } = await opts.pool.query<{ doc: string; upto: string }>(
      `SELECT doc, max(seq) AS upto FROM ${updates} GROUP BY doc HAVING count(*) > $1`,
      [opts.threshold],
    );
    for (const row of rows) {
      if (stopped) return;
      const replaced = await compactOne(row.doc, Number(row.upto));
      if (replaced > 0) opts.log.info({ doc: row.doc, replaced }, 'compacted Yjs update log');
    }
  };

  const timer = setInterval(() => {
    pass = pass.then(runPass).catch((error: unknown) => {
      opts.log.warn({ err: error }, 'Yjs compaction pass failed');
    });
  }, opts.intervalMs);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await pass;
  };
}
