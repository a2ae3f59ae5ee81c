/**
 * kill -9 of the core while it writes its outbox, in a loop: the replica must
 * stay intact and every command that was reported as queued must still be there.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ITERATIONS = Number(process.env['FLEETDESK_CRASH_ITERATIONS'] ?? 100);
const child = resolve(import.meta.dirname, 'test-support/outbox-writer.child.ts');
const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAndKill(dbPath: string, prefix: string, killAfterMs: number): Promise<string[]> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, dbPath, prefix], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keys: string[] = [];
    let buffer = '';
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') setTimeout(() => p.kill('SIGKILL'), killAfterMs);
        else if (line.startsWith('queued ')) keys.push(line.slice(7));
      }
    });
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') done(keys);
      else fail(new Error(`writer exited with ${String(code)}: ${stderr}`));
    });
  });
}

describe('outbox under kill -9', () => {
  it(`keeps integrity and every reported command across ${ITERATIONS} kills`, async () => {
    const dbPath = join(dir, 'replica.sqlite');
    const reported: string[] = [];
    for (let i = 0; i < ITERATIONS; i += 1) {
      // Kill at a different moment each time: right after start up to mid-stream.
      reported.push(...(await runAndKill(dbPath, `run${i}`, (i * 7) % 40)));
      const db = new Database(dbPath, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Set(
        db
          .prepare<[], { k: string }>('SELECT idempotency_key AS k FROM outbox')
          .all()
          .map((r) => r.k),
      );
      db.close();
      const missing = reported.filter((k) => !stored.has(k));
      expect(missing).toEqual([]);
    }
    expect(reported.length).toBeGreaterThan(ITERATIONS); // the kills really interrupted ongoing writes
  }, 600_000);
});
