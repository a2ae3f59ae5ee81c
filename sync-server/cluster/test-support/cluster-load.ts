/**
 * Load for the scale-out process tests, with the figures they report: stock y-websocket
 * clients appending unique ids to a shared Y.Array (so a lost id and a doubled one are both
 * visible), payment-change commands sent with retries under one idempotency key each, and a
 * change-feed follower checking that seqs come gap-free and once each.
 */
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { AccountSnapshot } from '../../../domain/accounts';
import type { PaymentSnapshot } from '../../../domain/payments';
import { api } from '../../test-support/cluster-harness';
import { changeMethodCommand, snapshotAll } from '../../test-support/feed-helpers';

export const today = (): string => new Date().toISOString().slice(0, 10);
export const BOARD = (): string => `board/berlin/${today()}`;

export interface NotesClient {
  readonly ydoc: Y.Doc;
  readonly provider: WebsocketProvider;
  readonly ops: Y.Array<string>;
  destroy(): void;
}

export function notesClient(wsBase: string, token: string, doc = BOARD()): NotesClient {
  const ydoc = new Y.Doc();
  const provider = new WebsocketProvider(`${wsBase}/yjs`, doc, ydoc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    params: { token },
    disableBc: true,
    maxBackoffTime: 500,
  });
  return {
    ydoc,
    provider,
    ops: ydoc.getArray<string>('ops'),
    destroy: () => {
      provider.destroy();
      ydoc.destroy();
    },
  };
}

/**
 * Every client appends `<tag>c<i>-<n>` every `everyMs` until stopped; returns every id written.
 * `tag` keeps the ids of several runs on one document apart.
 */
export function writeNotes(
  clients: readonly NotesClient[],
  everyMs: number,
  tag: string,
): () => string[] {
  const written: string[] = [];
  let n = 0;
  const timer = setInterval(() => {
    clients.forEach((c, i) => {
      const id = `${tag}c${i}-${(n += 1)}`;
      c.ops.push([id]);
      written.push(id);
    });
  }, everyMs);
  return () => {
    clearInterval(timer);
    return written;
  };
}

/** Lost (written, missing) and duplicated (present more than once) ids in `ops`. */
export function tally(written: readonly string[], ops: readonly string[]) {
  const seen = new Map<string, number>();
  for (const id of ops) seen.set(id, (seen.get(id) ?? 0) + 1);
  return {
    written: written.length,
    lost: written.filter((id) => !seen.has(id)).length,
    duplicated: [...seen.values()].filter((c) => c > 1).length,
  };
}

interface Rec<B = unknown> {
  kind: string;
  id: string;
  version: number;
  body: B;
}

/** Authorized payments whose customer has another approvable card on file. */
export async function changeablePayments(
  base: string,
  token: string,
  want: number,
): Promise<{ payment: Rec<PaymentSnapshot>; newToken: string }[]> {
  const { records } = (await snapshotAll(
    { api: (path, init) => api(base, path, init) },
    token,
  )) as { records: Rec[] };
  const accounts = new Map(
    records.filter((r) => r.kind === 'account').map((r) => [r.id, r as Rec<AccountSnapshot>]),
  );
  const picked: { payment: Rec<PaymentSnapshot>; newToken: string }[] = [];
  const usedTokens = new Set<string>();
  for (const r of records) {
    if (picked.length >= want) break;
    if (r.kind !== 'payment') continue;
    const p = r as Rec<PaymentSnapshot>;
    if (p.body.status !== 'authorized') continue;
    const other = accounts
      .get(p.body.customerId)
      ?.body.paymentMethods.find(
        (m) =>
          m.token !== p.body.method.token &&
          m.token.includes('_ok_') &&
          m.expiry.year >= 2027 &&
          !usedTokens.has(m.token),
      );
    if (!other) continue;
    usedTokens.add(other.token);
    picked.push({ payment: p, newToken: other.token });
  }
  return picked;
}

export const changeCommand = (
  key: string,
  user: string,
  payment: Rec<PaymentSnapshot>,
  newToken: string,
) => changeMethodCommand(key, user, payment, newToken, 'desk-load');

/** Sends until the server answers 200/202 (as a desk's outbox does); counts the retries. */
export async function sendWithRetry(
  base: string,
  token: string,
  command: unknown,
  deadlineMs = 60_000,
): Promise<{ status: number; body: unknown; retries: number }> {
  const until = Date.now() + deadlineMs;
  let retries = 0;
  for (;;) {
    const reply = await api(base, '/api/commands', { token, body: command });
    if (reply.status === 200 || reply.status === 202) return { ...reply, retries };
    if (reply.status !== 0 && reply.status < 500) return { ...reply, retries };
    if (Date.now() > until) return { ...reply, retries };
    retries += 1;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Follows the change feed from 0 through `base`, like a desk; `stop` resolves to what it saw. */
export function followFeed(base: string, token: string) {
  const seqs: number[] = [];
  let since = 0;
  const state = { stopped: false };
  let errors = 0;
  const loop = (async () => {
    while (!state.stopped) {
      const { status, body } = await api(
        base,
        `/api/feed/changes?since=${since}&limit=500&waitMs=1000`,
        { token, timeoutMs: 5000 },
      );
      if (status !== 200) {
        errors += 1;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      const page = body as { changes: { seq: number }[]; nextSince: number };
      for (const c of page.changes) seqs.push(c.seq);
      since = page.nextSince;
    }
  })();
  return {
    position: () => since,
    stop: async () => {
      state.stopped = true;
      await loop;
      const sorted = [...seqs].sort((a, b) => a - b);
      return {
        entries: seqs.length,
        duplicated: seqs.length - new Set(seqs).size,
        outOfOrder: seqs.some((s, i) => i > 0 && s <= (seqs[i - 1] ?? 0)),
        errors,
        last: sorted.at(-1) ?? 0,
      };
    },
  };
}
