/**
 * `npm start` as a newcomer runs it (issue 17, item 8): the desktop's flags reach the desktop,
 * and an outage can be tried — only the sync server stops and comes back, the desk stays up.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function status(url: string): Promise<number> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

async function until(probe: () => Promise<boolean> | boolean, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('passes --desk-port and --profile to the desktop, and stops and restarts only the sync server on SIGUSR2', async () => {
  const data = temp('fleetdesk-start-data-');
  const profile = temp('fleetdesk-start-profile-');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'tools/start.ts'),
      '--port',
      '0',
      '--data',
      data,
      '--customers',
      '20',
      '--deliveries',
      '20',
      '--drones',
      '4',
      '--no-simulate',
      '--desk-port',
      '0',
      '--profile',
      profile,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  cleanups.push(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await until(
    () => /try an outage/.test(out) && /\[desktop\]\s+profile/.test(out),
    60_000,
    'start',
  );
  const deskUrl = /\[desktop\]\s+open\s+(\S+)/.exec(out)?.[1] ?? '';
  const serverUrl = /\[desktop\]\s+sync server\s+(\S+)/.exec(out)?.[1] ?? '';
  expect(new URL(deskUrl).port).not.toBe('4180');
  expect(out).toMatch(new RegExp(`\\[desktop\\]\\s+profile\\s+${profile}`));
  await until(async () => (await status(`${serverUrl}/healthz`)) === 200, 20_000, 'server up');

  child.kill('SIGUSR2');
  await until(async () => (await status(`${serverUrl}/healthz`)) === 0, 20_000, 'server down');
  expect(child.exitCode, out).toBeNull();
  expect(await status(deskUrl), out).toBeGreaterThan(0); // the desk (browser host) still answers

  child.kill('SIGUSR2');
  await until(
    async () => (await status(`${serverUrl}/healthz`)) === 200,
    60_000,
    `server back\n${out}`,
  );
  expect(out).toMatch(/sync server back/);

  child.kill('SIGTERM');
  await until(() => child.exitCode !== null || child.signalCode !== null, 20_000, 'exit');
}, 150_000);
