/**
 * A reconnect storm against a real server process: many desks' queued work
 * arrives at once through lean clients that speak the desk's protocol (batches
 * over POST /api/commands/batch, pipelined, honouring 429/503 Retry-After with
 * full jitter), while one agent on a call sends single commands and /readyz is
 * watched. Shared by the storm test and `npm run bench` (bench/storm).
 */
import type { ServerProcess } from './server-process';

/** What a storm needs of a server: one process, or a deployment behind a load balancer. */
export type StormServer = Pick<ServerProcess, 'url' | 'token' | 'api'>;

export interface StormTarget {
  readonly id: string;
  readonly version: number;
}

export interface StormOptions {
  readonly desks: number;
  readonly perDesk: number;
  readonly batchSize: number;
  /** Batches in flight per desk (the desk's sender uses 2). */
  readonly pipeline: number;
  /** Pause between the interactive agent's commands (it sends one at a time). */
  readonly interactiveGapMs: number;
  /** 'single': one command per POST /api/commands (the desk protocol before batches), as a baseline. */
  readonly mode?: 'batch' | 'single';
}

export interface StormResult {
  readonly commands: number;
  readonly seconds: number;
  readonly commandsPerSecond: number;
  /** Results first applied (not repeats) as seen by the desks. */
  readonly applied: number;
  readonly repeats: number;
  readonly shed: { readonly s429: number; readonly s503: number };
  readonly interactive: {
    readonly count: number;
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly readyz: { readonly checks: number; readonly failures: number };
  /** Seconds from the start until each desk got its first and its last outcome. */
  readonly deskFirst: readonly number[];
  readonly deskDone: readonly number[];
}

type Item = { http: number; status?: string; repeat?: boolean };

const cancel = (user: string, key: string, t: StormTarget) => ({
  name: 'shipping.cancelDelivery',
  schemaVersion: 1,
  idempotencyKey: key,
  issuedBy: { userId: user, role: 'agent', desktopId: `desk-${user}` },
  issuedAt: Date.now(),
  payload: { deliveryId: t.id, expectedVersion: t.version, reason: 'customer-request' },
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

/**
 * Runs the storm: `targets` must hold desks × perDesk + enough for the
 * interactive agent (one per interactive command, taken from the end).
 */
export async function runStorm(
  server: StormServer,
  targets: readonly StormTarget[],
  o: StormOptions,
): Promise<StormResult> {
  const total = o.desks * o.perDesk;
  const interactiveTargets = targets.slice(total);
  let applied = 0;
  let repeats = 0;
  let s429 = 0;
  let s503 = 0;
  const deskFirst: number[] = [];
  const deskDone: number[] = [];
  const started = performance.now();
  const since = (): number => (performance.now() - started) / 1000;

  async function desk(d: number): Promise<void> {
    const user = `storm-${d}`;
    const token = server.token(user, 'agent');
    const queue = targets
      .slice(d * o.perDesk, (d + 1) * o.perDesk)
      .map((t, i) => cancel(user, `${user}:${i}`, t));
    let retries = 0;
    const lane = async (): Promise<void> => {
      while (queue.length > 0) {
        const single = o.mode === 'single';
        const batch = queue.splice(0, single ? 1 : o.batchSize);
        const res = await fetch(`${server.url}/api/commands${single ? '' : '/batch'}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(single ? batch[0] : { commands: batch }),
        }).catch(() => null);
        let status = res?.status ?? 0;
        let body = (await res?.json().catch(() => null)) as {
          results?: Item[];
          retryAfterS?: number;
        } | null;
        if (single && (status === 200 || status === 202)) {
          // Seen as a one-item batch, so both modes share the accounting below.
          body = { results: [{ ...(body as Item), http: status }] };
          status = 200;
        }
        if (status === 200 && body?.results) {
          deskFirst[d] ??= since();
          body.results.forEach((r, i) => {
            if (r.http === 200 && r.status === 'accepted') {
              if (r.repeat) repeats += 1;
              else applied += 1;
            } else if (r.http >= 500) {
              const again = batch[i];
              if (again) queue.push(again);
            } else throw new Error(`storm command refused: ${JSON.stringify(r)}`);
          });
          retries = 0;
          continue;
        }
        queue.unshift(...batch);
        if (status === 429) s429 += 1;
        if (status === 503) s503 += 1;
        // Retry-After plus full jitter; a network error backs off exponentially with jitter.
        const after = (body?.retryAfterS ?? 0) * 1000;
        const wait =
          after > 0
            ? after * (1 + Math.random())
            : Math.random() * Math.min(2000, 50 * 2 ** (retries += 1));
        await sleep(wait);
      }
    };
    await Promise.all(Array.from({ length: o.pipeline }, lane));
    deskDone[d] = since();
  }

  // An object, not a let: the loops below read it after awaits.
  const storm = { running: true };
  const latencies: number[] = [];
  const interactive = (async () => {
    const token = server.token('agent-on-call', 'agent');
    let i = 0;
    while (storm.running && i < interactiveTargets.length) {
      const t = interactiveTargets[i];
      if (!t) break;
      const body = cancel('agent-on-call', `call-${i}`, t);
      i += 1;
      const sent = performance.now();
      const res = await server.api('/api/commands', { token, body });
      latencies.push(performance.now() - sent);
      if (res.status !== 200) throw new Error(`interactive command answered ${res.status}`);
      await sleep(o.interactiveGapMs);
    }
  })();
  let checks = 0;
  let failures = 0;
  const readyz = (async () => {
    while (storm.running) {
      const ok = await fetch(`${server.url}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      checks += 1;
      if (!ok) failures += 1;
      await sleep(100);
    }
  })();

  await Promise.all(Array.from({ length: o.desks }, (_, d) => desk(d)));
  const seconds = since();
  storm.running = false;
  await Promise.all([interactive, readyz]);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    commands: total,
    seconds,
    commandsPerSecond: total / seconds,
    applied,
    repeats,
    shed: { s429, s503 },
    interactive: {
      count: sorted.length,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? 0,
    },
    readyz: { checks, failures },
    deskFirst,
    deskDone,
  };
}

/** Every `created` delivery as a supervisor sees it (enough for a storm). */
export async function cancellableDeliveries(
  server: StormServer,
): Promise<(StormTarget & { stage: string })[]> {
  const token = server.token('storm-admin', 'supervisor');
  const out: (StormTarget & { stage: string })[] = [];
  let after: string | null = null;
  do {
    const q: string = after ? `&after=${encodeURIComponent(after)}` : '';
    const page = (await server.api(`/api/feed/snapshot?limit=5000${q}`, { token })).body as {
      records: { kind: string; id: string; version: number; body: { stage?: string } }[];
      nextCursor: string | null;
    };
    for (const r of page.records)
      if (r.kind === 'delivery')
        out.push({ id: r.id, version: r.version, stage: r.body.stage ?? '' });
    after = page.nextCursor;
  } while (after !== null);
  return out;
}
