/**
 * Reading the real server's change feed and metrics the way a desk and a
 * Prometheus scrape do, and producing feed entries with an ordinary command.
 */
import type { ServerProcess } from './server-process';

type Api = Pick<ServerProcess, 'api'>;

export interface FeedRecord<B = unknown> {
  readonly kind: string;
  readonly id: string;
  readonly version: number;
  readonly seq: number;
  readonly body: B;
}

/** Every record the token's role replicates, paged (`limit` a page) at one feed position. */
export async function snapshotAll(
  server: Api,
  token: string,
  limit = 500,
): Promise<{ upTo: number; records: FeedRecord[] }> {
  const records: FeedRecord[] = [];
  let after: string | null = null;
  let upTo: number | null = null;
  do {
    const q = new URLSearchParams({
      limit: String(limit),
      ...(after ? { after } : {}),
      ...(upTo !== null ? { upTo: String(upTo) } : {}),
    });
    const { body } = await server.api(`/api/feed/snapshot?${q.toString()}`, { token });
    const page = body as { upTo: number; records: FeedRecord[]; nextCursor: string | null };
    upTo = page.upTo;
    records.push(...page.records);
    after = page.nextCursor;
  } while (after !== null);
  return { upTo, records };
}

/** The value of an unlabelled metric on GET /metrics, or undefined if it is not there. */
export async function metricValue(server: Api, name: string): Promise<number | undefined> {
  const text = String((await server.api('/metrics')).body);
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/**
 * Moves a delivery (not yet picked up) to a window starting in an hour: two
 * feed entries (the delivery and the issuer's command record), committed
 * before the reply.
 */
export async function reschedule(
  server: Api,
  token: string,
  userId: string,
  delivery: { id: string; version: number },
  key: string,
): Promise<unknown> {
  const start = Date.now() + 3_600_000;
  const { body } = await server.api('/api/commands', {
    token,
    body: {
      name: 'shipping.rescheduleDelivery',
      schemaVersion: 1,
      idempotencyKey: key,
      issuedAt: Date.now(),
      issuedBy: { userId, role: 'agent', desktopId: 'desk-retention' },
      payload: {
        deliveryId: delivery.id,
        expectedVersion: delivery.version,
        window: { start, end: start + 2 * 3_600_000 },
      },
    },
  });
  return body;
}

/** A payments.changeMethod command as a desk sends it (the body of POST /api/commands). */
export function changeMethodCommand(
  key: string,
  user: string,
  payment: { readonly id: string; readonly version: number },
  newToken: string,
  desktopId = 'desk-1',
) {
  return {
    name: 'payments.changeMethod',
    schemaVersion: 1,
    idempotencyKey: key,
    issuedAt: Date.now(),
    issuedBy: { userId: user, role: 'agent', desktopId },
    payload: { paymentId: payment.id, expectedVersion: payment.version, newMethodToken: newToken },
  };
}
