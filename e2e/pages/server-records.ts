/** Reads the truth straight from the sync server, the way app/core/core.process.test.ts does. */
import type { ServerProcess } from '../../sync-server/test-support/server-process';

export interface ServerRec {
  kind: string;
  id: string;
  version: number;
  body: Record<string, unknown>;
}

export async function serverRecords(server: ServerProcess, token: string): Promise<ServerRec[]> {
  const all: ServerRec[] = [];
  let after: string | null = null;
  do {
    const q = new URLSearchParams({ limit: '500', ...(after ? { after } : {}) });
    const { body } = await server.api(`/api/feed/snapshot?${q.toString()}`, { token });
    const page = body as { records: ServerRec[]; nextCursor: string | null };
    all.push(...page.records);
    after = page.nextCursor;
  } while (after !== null);
  return all;
}

export async function serverRecord(
  server: ServerProcess,
  token: string,
  kind: string,
  id: string,
): Promise<ServerRec> {
  const found = (await serverRecords(server, token)).find((r) => r.kind === kind && r.id === id);
  if (!found) throw new Error(`no ${kind} ${id} on the server`);
  return found;
}

interface Method {
  token: string;
  brand: string;
  last4: string;
  expiry: { month: number; year: number };
}

export interface PaymentTarget {
  payment: ServerRec;
  customer: { id: string; name: string; email: string };
  deliveryTag: string;
  current: Method;
  next: Method;
}

const expired = (m: Method, now: Date): boolean =>
  m.expiry.year < now.getUTCFullYear() ||
  (m.expiry.year === now.getUTCFullYear() && m.expiry.month < now.getUTCMonth() + 1);

/**
 * An authorized payment whose customer has another live method on file whose
 * token contains `outcome` ('_ok_' for an approval, '_decline_funds_' for a decline).
 */
export async function findPaymentTarget(
  server: ServerProcess,
  token: string,
  outcome: string,
  skip: readonly string[] = [],
  stages: readonly string[] | null = null,
): Promise<PaymentTarget> {
  const records = await serverRecords(server, token);
  const accounts = new Map(records.filter((r) => r.kind === 'account').map((r) => [r.id, r]));
  const now = new Date();
  for (const p of records.filter((r) => r.kind === 'payment')) {
    if (skip.includes(p.id) || p.body['status'] !== 'authorized') continue;
    const account = accounts.get(String(p.body['customerId']));
    if (!account) continue;
    const current = p.body['method'] as Method;
    const methods = account.body['paymentMethods'] as Method[];
    const next = methods.find(
      (m) => m.token !== current.token && m.token.includes(outcome) && !expired(m, now),
    );
    const sameLast4 = methods.filter((m) => m.last4 === next?.last4).length > 1;
    if (!next || sameLast4 || next.last4 === current.last4) continue;
    const delivery = records.find((r) => r.kind === 'delivery' && r.id === p.body['deliveryId']);
    const parcel = delivery?.body['parcel'] as { tag: string } | undefined;
    if (!parcel) continue;
    if (stages && !stages.includes(String(delivery?.body['stage']))) continue;
    return {
      payment: p,
      customer: {
        id: account.id,
        name: String(account.body['name']),
        email: String(account.body['email']),
      },
      deliveryTag: parcel.tag,
      current,
      next,
    };
  }
  throw new Error(`no payment whose customer has a ${outcome} method`);
}
