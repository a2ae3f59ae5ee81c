/**
 * Child process for the desk-kill test: a real desktop core on a profile.
 *   queue <serverUrl> <profile> <token> <deliveries.json>: signs in, waits for the
 *     snapshot, prints "live", then on "queue" (stdin) queues a cancel for every
 *     delivery and prints "queued"; then prints "done <n>" as outcomes arrive.
 *   resume <serverUrl> <profile>: restarts the core on the same profile (the
 *     session is restored), prints "drained <needsAttention>" once nothing is pending.
 * The parent kills it with SIGKILL; nothing here shuts down gracefully on purpose.
 */
import { readFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startCore } from '../../core';

const [mode, serverUrl, profileDir, token, deliveriesFile] = process.argv.slice(2);
if (!serverUrl || !profileDir)
  throw new Error('usage: desk-core.child.ts queue|resume <url> <profile> …');
const say = (line: string): void => void writeSync(1, `${line}\n`);

const core = await startCore({
  syncServerUrl: serverUrl,
  profileDir,
  collab: false,
  feedWaitMs: 500,
  // Small batches so a kill lands between batches and inside one; fast retries for a short test.
  sender: { baseDelayMs: 50, maxDelayMs: 400, idleMs: 100, batchSize: 50, concurrency: 2 },
});

async function status(): Promise<{
  feed: { phase: string };
  outbox: { pending: number; needsAttention: number };
}> {
  const s = await core.call('sync.status', {});
  if (!s.ok) throw new Error(s.error.message);
  return s.value;
}

if (mode === 'queue') {
  if (!token || !deliveriesFile) throw new Error('queue needs a token and a deliveries file');
  const login = await core.call('session.login', { token });
  if (!login.ok) throw new Error(login.error.message);
  while ((await status()).feed.phase !== 'live') await new Promise((r) => setTimeout(r, 50));
  const done = new Set<string>();
  core.subscribe((event, payload) => {
    const entry = payload as { state?: string; idempotencyKey?: string };
    if (event !== 'outbox.changed' || entry.state !== 'done' || !entry.idempotencyKey) return;
    if (done.has(entry.idempotencyKey)) return;
    done.add(entry.idempotencyKey);
    say(`done ${done.size}`);
  });
  say('live');
  const ids = JSON.parse(readFileSync(deliveriesFile, 'utf8')) as string[];
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== 'queue') continue;
    for (const deliveryId of ids) {
      const r = await core.call('shipping.cancelDelivery', {
        deliveryId,
        reason: 'customer-request',
      });
      if (!r.ok) throw new Error(r.error.message);
    }
    say('queued');
  }
} else {
  for (;;) {
    const s = await status();
    if (s.outbox.pending === 0) {
      say(`drained ${s.outbox.needsAttention}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await core.close();
}
