/**
 * Where fleetdesk's per-update server time goes, measured in-process on the real classes (no
 * sockets): the same update shape the fan-out writers send, applied one at a time. Explains the
 * server CPU per update seen in the fan-out run; it is not a latency measurement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { createLogger } from '../../sync-server/observability';
import { openServerDatabase } from '../../sync-server/storage';
import { MemoryDocStore, SqliteDocStore, type DocStore } from '../../sync-server/yjs';
import { GroupCommit } from '../../sync-server/yjs/hub/group-commit';
import { HubDoc, type DocPeer } from '../../sync-server/yjs/hub/hub-doc';
import { encodeSyncUpdate, parseClientMessage } from '../../sync-server/yjs/hub/yjs-protocol';
import { noopYjsMetrics } from '../../sync-server/yjs/hub/yjs-metrics';
import { summarize } from './stats';

export interface ComponentTiming {
  readonly name: string;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  /** Calls that took longer than 5 ms (stalls that show up as fan-out tail latency). */
  readonly over5ms: number;
}

export interface ProfileResult {
  readonly updates: number;
  readonly meanUpdateBytes: number;
  readonly receivers: number;
  readonly components: readonly ComponentTiming[];
}

const PAYLOAD = 'fanout-bench-payload-0123456789a';

/** The updates a fan-out writer produces: 32 bytes of text plus a `{ s, t }` stamp each. */
function writerUpdates(count: number): Uint8Array[] {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  for (let s = 1; s <= count; s += 1) {
    doc.transact(() => {
      const text = doc.getText('text');
      text.insert(text.length, PAYLOAD);
      doc.getArray('log').push([{ s, t: performance.now() }]);
    });
  }
  doc.destroy();
  return updates;
}

function time(name: string, count: number, op: (i: number) => void): ComponentTiming {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t = performance.now();
    op(i);
    samples.push((performance.now() - t) * 1000);
  }
  return fromSamples(name, samples);
}

/** As `time`, for an operation that completes when its promise settles (awaited one by one). */
async function timeAsync(
  name: string,
  count: number,
  op: (i: number) => Promise<void>,
): Promise<ComponentTiming> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const t = performance.now();
    await op(i);
    samples.push((performance.now() - t) * 1000);
  }
  return fromSamples(name, samples);
}

function fromSamples(name: string, samples: readonly number[]): ComponentTiming {
  const s = summarize(samples);
  return {
    name,
    meanUs: samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length),
    p50Us: s.p50,
    p99Us: s.p99,
    maxUs: s.max,
    over5ms: samples.filter((us) => us > 5000).length,
  };
}

const peer = (connectionId: number): DocPeer => ({
  connectionId,
  canWrite: true,
  send: () => undefined,
  close: () => undefined,
});

/** A loaded HubDoc with `receivers` no-op peers; `apply` runs one update through to broadcast. */
async function hubDoc(
  store: DocStore,
  name: string,
  receivers: number,
  compactAfter = 500,
): Promise<{ apply(update: Uint8Array): Promise<void>; destroy(): void }> {
  // Flushed by hand after each update: the time of a batch of one, as at low load.
  const commits = new GroupCommit(store, () => undefined);
  const doc = await HubDoc.load(name, {
    store,
    commits,
    log: createLogger('silent'),
    metrics: noopYjsMetrics,
    compactAfter,
    inlineCompactMaxBytes: Number.POSITIVE_INFINITY, // no worker in-process: always inline
    onBroken: () => {
      throw new Error('profile: persisting failed');
    },
  });
  const writer = peer(0);
  doc.addPeer(writer);
  for (let i = 1; i <= receivers; i += 1) doc.addPeer(peer(i));
  return {
    // Resolves once the update is stored and broadcast (SQLite: within this turn's microtasks).
    apply: (update) => {
      doc.applyClientUpdate(writer, update);
      return commits.flush();
    },
    destroy: () => {
      doc.destroy();
    },
  };
}

export async function profileFleetdeskUpdatePath(options: {
  updates: number;
  receivers?: number;
}): Promise<ProfileResult> {
  const receivers = options.receivers ?? 4;
  const updates = writerUpdates(options.updates);
  const frames = updates.map(encodeSyncUpdate);
  const n = updates.length;
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-fanout-profile-'));
  const dbs: { close(): void }[] = [];
  try {
    const components: ComponentTiming[] = [];
    components.push(
      time('parse client frame (parseClientMessage)', n, (i) => {
        parseClientMessage(frames[i] ?? new Uint8Array());
      }),
    );
    const plain = new Y.Doc();
    components.push(
      time('Y.applyUpdate + encode broadcast frame (≈ what an in-memory server does)', n, (i) => {
        const u = updates[i] ?? new Uint8Array();
        Y.applyUpdate(plain, u);
        encodeSyncUpdate(u);
      }),
    );
    plain.destroy();

    const mem = await hubDoc(new MemoryDocStore(), 'board/mem/2026-11-22', receivers);
    components.push(
      await timeAsync(
        'HubDoc.applyClientUpdate + commit, in-memory store (apply + store + broadcast)',
        n,
        (i) => mem.apply(updates[i] ?? new Uint8Array()),
      ),
    );
    mem.destroy();

    const appendDb = openServerDatabase(join(dir, 'append.sqlite'));
    dbs.push(appendDb);
    const appendStore = new SqliteDocStore(appendDb);
    // SqliteDocStore commits inside the call; the settled promise adds nothing to wait for.
    components.push(
      time('SqliteDocStore.append alone (WAL, synchronous=NORMAL, no compaction)', n, (i) => {
        void appendStore.append('board/append/2026-11-22', updates[i] ?? new Uint8Array());
      }),
    );
    // Group commit at load: one transaction for what arrived in a turn, here 4 documents' updates.
    const batchTimes = time(
      'SqliteDocStore.appendBatch, 4 documents per call (one group commit), per update',
      Math.floor(n / 4),
      (i) => {
        void appendStore.appendBatch(
          [0, 1, 2, 3].map((d) => ({
            docName: `board/batch${d}/2026-11-22`,
            update: updates[i * 4 + d] ?? new Uint8Array(),
          })),
        );
      },
    );
    components.push({
      ...batchTimes,
      meanUs: batchTimes.meanUs / 4,
      p50Us: batchTimes.p50Us / 4,
      p99Us: batchTimes.p99Us / 4,
      maxUs: batchTimes.maxUs / 4,
    });

    const fullPath = async (
      label: string,
      file: string,
      tune: (db: ReturnType<typeof openServerDatabase>) => void,
      compactAfter: number,
    ): Promise<ComponentTiming> => {
      const db = openServerDatabase(join(dir, file));
      dbs.push(db);
      tune(db);
      const hub = await hubDoc(
        new SqliteDocStore(db),
        `board/${file.slice(0, 8)}/2026-11-22`,
        receivers,
        compactAfter,
      );
      const timing = await timeAsync(label, n, (i) => hub.apply(updates[i] ?? new Uint8Array()));
      hub.destroy();
      return timing;
    };
    components.push(
      await fullPath(
        'HubDoc.applyClientUpdate + commit, SQLite store, production settings (the full server path minus sockets)',
        'full.sqlite',
        () => undefined,
        500,
      ),
      await fullPath(
        '… same, compaction disabled (isolates the every-500-rows compaction)',
        'nocompact.sqlite',
        () => undefined,
        Number.MAX_SAFE_INTEGER,
      ),
      await fullPath(
        '… same, WAL auto-checkpoint disabled (isolates checkpoints, which fsync)',
        'nockpt.sqlite',
        (db) => db.pragma('wal_autocheckpoint = 0'),
        500,
      ),
    );

    // Compaction, as it happens in the fan-out: 20 documents reaching 500 rows together
    // (3 rounds). Each document's 500 rows are appended first, then its log is compacted.
    const rows = updates.slice(0, 500);
    const encodeUs: number[] = [];
    let merged: Uint8Array = new Uint8Array();
    for (let d = 0; d < 20; d += 1) {
      const doc = new Y.Doc();
      for (const row of rows) Y.applyUpdate(doc, row);
      const t = performance.now();
      merged = Y.encodeStateAsUpdate(doc);
      encodeUs.push((performance.now() - t) * 1000);
      doc.destroy();
    }
    components.push(
      fromSamples('compaction step 1: Y.encodeStateAsUpdate of a 500-update document', encodeUs),
    );
    const compaction = async (
      label: string,
      file: string,
      autoCheckpoint: boolean,
    ): Promise<ComponentTiming> => {
      const db = openServerDatabase(join(dir, file));
      dbs.push(db);
      if (!autoCheckpoint) db.pragma('wal_autocheckpoint = 0');
      const store = new SqliteDocStore(db);
      const samples: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        for (let d = 0; d < 20; d += 1) {
          const name = `board/c${d}-r${round}/2026-11-22`;
          let seq = 0;
          for (const row of rows) seq = await store.append(name, row);
          const t = performance.now();
          await store.compact(name, merged, seq);
          samples.push((performance.now() - t) * 1000);
        }
      }
      return fromSamples(label, samples);
    };
    components.push(
      await compaction(
        'compaction step 2: SqliteDocStore.compact (delete 500 rows, insert merged), production settings',
        'compact.sqlite',
        true,
      ),
      await compaction(
        '… same, WAL auto-checkpoint disabled (isolates the checkpoint + fsync its commit triggers)',
        'compact-nockpt.sqlite',
        false,
      ),
    );
    return {
      updates: n,
      meanUpdateBytes: updates.reduce((a, u) => a + u.byteLength, 0) / Math.max(1, n),
      receivers,
      components,
    };
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderProfile(profile: ProfileResult): string {
  const us = (v: number): string => (v < 10 ? v.toFixed(1) : v.toFixed(0));
  return [
    '## Where fleetdesk spends its per-update server time (in-process, no sockets)',
    '',
    `${profile.updates} writer updates (mean ${profile.meanUpdateBytes.toFixed(0)} bytes) applied one by one to the real ` +
      `classes, ${profile.receivers} receiving peers with no-op sockets. Compaction runs every 500 rows as in production.`,
    '',
    '| step | mean µs | p50 µs | p99 µs | max µs | calls > 5 ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...profile.components.map(
      (c) =>
        `| ${c.name} | ${us(c.meanUs)} | ${us(c.p50Us)} | ${us(c.p99Us)} | ${us(c.maxUs)} | ${c.over5ms} |`,
    ),
    '',
  ].join('\n');
}
