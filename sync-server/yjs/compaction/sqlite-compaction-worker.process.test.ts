/**
 * SIGKILL while the compaction worker is busy: the process appends edits without pause and
 * compacts every 100 rows, so a job (merge or row replacement) is in flight most of the time
 * it is killed. Whatever it was doing, the file must load to a complete document holding
 * every edit it reported stored.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SqliteDocStore } from '../store/sqlite-doc-store';

const REPO = path.resolve(import.meta.dirname, '../../..');
const CHILD = path.join(REPO, 'sync-server/yjs/test-support/compaction-kill-child.ts');
const DOC = 'board/berlin/2026-11-22';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetdesk-compaction-kill-'));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the child until it has compacted `compactions` times, then SIGKILLs it `extraMs` later. */
async function runAndKill(file: string, compactions: number, extraMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let out = '';
  let lastStored = -1;
  let compacted = 0;
  const exited = new Promise<string | number>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? -1)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'stored') lastStored = Number(n);
        if (what === 'compacted') compacted += 1;
      }
      if (compacted >= compactions) resolve();
    });
    void exited.then(() => reject(new Error(`child exited early\n${stderr}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, extraMs));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // Lines printed before the kill that the handler has not seen yet.
  for (const line of out.split('\n')) {
    const [what, n] = line.split(' ');
    if (what === 'stored' && n !== undefined && n !== '') lastStored = Number(n);
  }
  return lastStored;
}

describe('background compaction under SIGKILL', () => {
  it('leaves a loadable, complete document every time', async () => {
    const file = path.join(dir, 'sync.db');
    let seen = -1;
    for (const [round, extraMs] of [0, 7, 23, 41].entries()) {
      const stored = await runAndKill(file, 2 + round, extraMs);
      const db = new Database(file);
      const store = new SqliteDocStore(db);
      const doc = new Y.Doc();
      for (const row of await store.load(DOC)) Y.applyUpdate(doc, row);
      const items = doc.getArray<number>('items').toArray();
      // Every printed edit is there; at most one more (killed between commit and print).
      expect(items.length === stored + 1 || items.length === stored + 2).toBe(true);
      expect(items).toEqual(items.map((_, i) => i));
      expect(doc.getMap('m').get('last')).toBe(items.length - 1);
      expect(items.length).toBeGreaterThan(seen);
      seen = items.length;
      await store.close();
      db.close();
    }
  }, 120_000);
});
