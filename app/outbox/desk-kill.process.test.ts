/**
 * A desk killed (SIGKILL) while its backlog goes out in batches, then restarted
 * on the same profile: every command is applied exactly once on the real server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  startServerProcess,
  tempDataDir,
  type ServerProcess,
} from '../../sync-server/test-support/server-process';
import { tempDir } from '../test-support/sync-server-launcher';

const CHILD = resolve(import.meta.dirname, 'test-support/desk-core.child.ts');
const N = 600;
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

interface Rec {
  kind: string;
  id: string;
  version: number;
  owner?: string | null;
  body: Record<string, unknown>;
}

/** Spawns the child and calls `onLine` for each stdout line; resolves with its exit. */
function desk(args: string[], onLine: (line: string, child: ChildProcess) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  cleanups.push(() => child.kill('SIGKILL'));
  let stderr = '';
  let buffer = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) onLine(line, child);
  });
  const exited = new Promise<string>((res) =>
    child.once('exit', (code, signal) => res(`${String(code ?? signal)} ${stderr}`)),
  );
  return { child, exited };
}

async function all(server: ServerProcess, token: string, path: string): Promise<Rec[]> {
  const out: Rec[] = [];
  let after: string | null = null;
  do {
    const q: string = after ? `&after=${encodeURIComponent(after)}` : '';
    const page = (await server.api(`${path}?limit=5000${q}`, { token })).body as {
      records: Rec[];
      nextCursor: string | null;
    };
    out.push(...page.records);
    after = page.nextCursor;
  } while (after !== null);
  return out;
}

describe('desk killed mid-batch', () => {
  it('applies every command exactly once after a restart of the desk', async () => {
    const data = tempDataDir();
    cleanups.push(data.cleanup);
    const profile = tempDir('fleetdesk-deskkill-');
    cleanups.push(profile.cleanup);
    let server = await startServerProcess(data.dir, ['--deliveries', String(N * 3)]);
    cleanups.push(() => server.child.kill('SIGKILL'));
    const token = server.token('agent-1', 'agent');
    const before = await all(server, token, '/api/feed/snapshot');
    const targets = before
      .filter((r) => r.kind === 'delivery' && r.body['stage'] === 'created')
      .slice(0, N);
    expect(targets).toHaveLength(N);
    const file = join(profile.dir, 'targets.json');
    writeFileSync(file, JSON.stringify(targets.map((t) => t.id)));

    // 1. The desk signs in, the server goes away, the operator queues N cancels offline.
    let phase: 'live' | 'queued' = 'live';
    let killedAtDone = 0;
    const first = desk(
      ['queue', server.url, join(profile.dir, 'p'), token, file],
      (line, child) => {
        if (line === 'live') {
          server.child.kill('SIGTERM');
          void server.exited.then(() => child.stdin?.write('queue\n'));
        } else if (line === 'queued') phase = 'queued';
        else if (line.startsWith('done ')) {
          // 2. …and the desk dies once some batches are answered and others are in flight.
          const done = Number(line.slice(5));
          if (killedAtDone === 0 && done >= 120) {
            killedAtDone = done;
            child.kill('SIGKILL');
          }
        }
      },
    );
    const port = server.port;
    await new Promise<void>((res, rej) => {
      const timer = setInterval(() => {
        if (phase === 'queued') {
          clearInterval(timer);
          res();
        }
      }, 20);
      void first.exited.then((why) => {
        clearInterval(timer);
        rej(new Error(`desk exited before queueing: ${why}`));
      });
    });
    server = await startServerProcess(data.dir, [], port);
    const exit = await first.exited;
    expect(exit.startsWith('SIGKILL')).toBe(true);
    expect(killedAtDone).toBeGreaterThan(0);
    expect(killedAtDone).toBeLessThan(N);

    // 3. The desk restarts on the same profile and drains what is left.
    let drained = '';
    const second = desk(['resume', server.url, join(profile.dir, 'p')], (line) => {
      if (line.startsWith('drained ')) drained = line.slice(8);
    });
    await second.exited;
    expect(drained).toBe('0');

    // Exactly once: one command record per key, each accepted the first time (a second
    // application would have been rejected as stale), and each delivery cancelled at
    // exactly one version past where it was.
    const after = await all(server, token, '/api/feed/snapshot');
    const commands = after.filter((r) => r.kind === 'command');
    expect(commands).toHaveLength(N);
    for (const c of commands) {
      expect(c.body['firstOutcome']).toMatchObject({ status: 'accepted' });
      expect(c.version).toBe(1);
    }
    const now = new Map(after.map((r) => [`${r.kind}/${r.id}`, r]));
    for (const t of targets) {
      const d = now.get(`delivery/${t.id}`);
      expect(d?.body['stage']).toBe('cancelled');
      expect(d?.version).toBe(t.version + 1);
    }
  }, 120_000);
});
