/**
 * Hostile clients on the HTTP boundary (command API, change feed, admin) against the real
 * sync server process: each is refused with a clear JSON answer, the server stays ready, its
 * memory stays bounded, and its log holds no stack trace and no card data.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotAll } from '../sync-server/test-support/feed-helpers';
import {
  expectCleanLog,
  residentMb,
  startAbuseServer,
  type AbuseServer,
} from './support/abuse-server';
import { abortMidBody, chunkedPost } from './support/hostile-http';

let server: AbuseServer;
let agent: string;
let rssBefore = 0;

beforeAll(async () => {
  server = await startAbuseServer();
  agent = server.token('agent-1', 'agent');
  rssBefore = await residentMb(server);
});

afterAll(async () => {
  await server.stop();
  server.cleanup();
});

const PAN = '4111 1111 1111 1111';
let n = 0;
const key = (): string => `abuse-${String(Date.now())}-${String((n += 1))}`;

const envelope = <P>(payload: P, name = 'shipping.cancelDelivery', user = 'agent-1') => ({
  name,
  schemaVersion: 1,
  idempotencyKey: key(),
  issuedAt: Date.now(),
  issuedBy: { userId: user, role: 'agent', desktopId: 'desk-abuse' },
  payload,
});

/** Every answer to a client mistake: a 4xx with a readable {code, message}. */
function expectClearRefusal(
  reply: { status: number; body: unknown },
  status: number,
  code?: string,
) {
  expect(reply.status).toBe(status);
  const body = reply.body as { code?: unknown; message?: unknown };
  expect(typeof body.code).toBe('string');
  expect(typeof body.message).toBe('string');
  if (code !== undefined) expect(body.code).toBe(code);
}

describe('HTTP boundary under hostile clients', () => {
  it('defect 3: a malformed snapshot cursor is 400 FEED.BAD_CURSOR, not a 500', async () => {
    for (const after of ['garbage', '%00', 'x'.repeat(2000)]) {
      const reply = await server.api(`/api/feed/snapshot?after=${encodeURIComponent(after)}`, {
        token: agent,
      });
      expectClearRefusal(reply, 400, 'FEED.BAD_CURSOR');
    }
    // A real cursor still pages.
    expect((await snapshotAll(server, agent)).records.length).toBeGreaterThan(10);
  });

  it('defect 4: clients dropping mid-body are counted, not logged as errors', async () => {
    const before = await server.metric('fleetdesk_http_client_aborts_total');
    for (let i = 0; i < 20; i += 1) await abortMidBody(server.port, '/api/commands', agent);
    await expect
      .poll(() => server.metric('fleetdesk_http_client_aborts_total'), { timeout: 5000 })
      .toBe(before + 20);
    const aborted = server.logLines().filter((l) => l['msg'] === 'client aborted the request');
    expect(aborted.length).toBeGreaterThanOrEqual(20);
    expect(aborted.every((l) => l['level'] === 20)).toBe(true);
  });

  it('defect 6: a 5 MB chunked body is answered 413, and the connection is not cut', async () => {
    const reply = await chunkedPost(server.port, '/api/commands', agent, 5 * 1024 * 1024);
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ code: 'HTTP.BODY_TOO_LARGE' });
    const declared = await fetch(`${server.url}/api/commands`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
      body: 'x'.repeat(100_000),
    });
    expect(declared.status).toBe(413);
  });

  it('defect 6: /api refuses a token in the URL; the header works', async () => {
    const inUrl = await server.api(`/api/session?token=${agent}`);
    expectClearRefusal(inUrl, 400, 'AUTH.TOKEN_IN_URL');
    expect((await server.api('/api/session', { token: agent })).status).toBe(200);
  });

  it('tampered, expired, foreign and missing tokens are 401', async () => {
    const [head = '', sig = ''] = agent.split('.');
    const flipped = `${head}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    const elevated = `${Buffer.from(JSON.stringify({ userId: 'agent-1', role: 'supervisor', expiresAt: Date.now() + 1e9 })).toString('base64url')}.${sig}`;
    for (const token of [
      flipped,
      elevated,
      server.token('agent-1', 'agent', -1000),
      'garbage',
      '',
    ]) {
      expectClearRefusal(await server.api('/api/session', { token }), 401, 'AUTH.UNAUTHORIZED');
    }
  });

  it('wrong roles are 403 and change nothing', async () => {
    const fm = server.token('fm-1', 'fleet-manager');
    const change = envelope(
      { paymentId: 'pay-000001', expectedVersion: 1, newMethodToken: 'pm_sandbox_visa_ok_01' },
      'payments.changeMethod',
      'fm-1',
    );
    const asFm = await server.api('/api/commands', {
      token: fm,
      body: { ...change, issuedBy: { userId: 'fm-1', role: 'fleet-manager', desktopId: 'd' } },
    });
    expect(asFm.status).toBe(403);
    const faults = await server.api('/api/admin/gateway-faults', {
      token: agent,
      method: 'PUT',
      body: { mode: 'down' },
    });
    expectClearRefusal(faults, 403, 'AUTH.FORBIDDEN');
    const other = await server.api('/api/commands', {
      token: agent,
      body: envelope(
        { deliveryId: 'del-000001', expectedVersion: 1, reason: 'customer-request' },
        'shipping.cancelDelivery',
        'agent-2',
      ),
    });
    expect(other.status).toBe(403);
  });

  it('a replayed command has one effect; the same key with another body is 409', async () => {
    const { records } = await snapshotAll(server, agent);
    const delivery = records.find(
      (r) => r.kind === 'delivery' && (r.body as { stage?: string }).stage === 'scheduled',
    );
    if (delivery === undefined) throw new Error('no scheduled delivery in the seed');
    const command = envelope({
      deliveryId: delivery.id,
      expectedVersion: delivery.version,
      reason: 'customer-request',
    });
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        server.api('/api/commands', { token: agent, body: command }),
      ),
    );
    const bodies = replies.map((r) => r.body as { status: string; repeat?: boolean });
    expect(bodies.filter((b) => b.repeat !== true)).toHaveLength(1);
    const reused = await server.api('/api/commands', {
      token: agent,
      body: { ...command, payload: { ...command.payload, reason: 'other' } },
    });
    expect(reused.status).toBe(409);
  });

  it('card numbers in any command field are refused and never stored', async () => {
    const bodies = [
      envelope(
        { paymentId: 'pay-000001', expectedVersion: 1, newMethodToken: PAN },
        'payments.changeMethod',
      ),
      envelope(
        {
          paymentId: 'pay-000001',
          expectedVersion: 1,
          newMethodToken: `pm_${PAN.replaceAll(' ', '')}`,
        },
        'payments.changeMethod',
      ),
      { ...envelope({}), idempotencyKey: PAN.replaceAll(' ', '') },
      { ...envelope({}), issuedBy: { userId: 'agent-1', role: 'agent', desktopId: PAN } },
    ];
    for (const body of bodies) {
      const reply = await server.api('/api/commands', { token: agent, body });
      expect(
        reply.status === 400 || (reply.body as { status?: string }).status === 'rejected',
      ).toBe(true);
    }
  });

  it('arbitrary JSON bodies are answered 4xx or a business rejection, never 5xx (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({
            name: fc.oneof(
              fc.constantFrom(
                'payments.changeMethod',
                'shipping.cancelDelivery',
                'shipping.assignDrone',
              ),
              fc.string(),
            ),
            schemaVersion: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
            idempotencyKey: fc.oneof(fc.string({ maxLength: 100 }), fc.integer()),
            issuedAt: fc.oneof(fc.integer(), fc.string()),
            issuedBy: fc.jsonValue({ maxDepth: 2 }),
            payload: fc.jsonValue({ maxDepth: 2 }),
          }),
        ),
        async (body) => {
          const reply = await server.api('/api/commands', { token: agent, body });
          expect(reply.status).toBeLessThan(500);
          expect(
            typeof (reply.body as { code?: unknown; status?: unknown }).code === 'string' ||
              typeof (reply.body as { status?: unknown }).status === 'string',
          ).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
    // Bad query parameters on the feed, too.
    for (const q of [
      'since=-1',
      'since=abc',
      'limit=1e99',
      'waitMs=NaN',
      'since=99999999999999999999',
    ]) {
      expect((await server.api(`/api/feed/changes?${q}`, { token: agent })).status).toBe(400);
    }
  });

  it('after all of it: still ready, memory bounded, the log clean', async () => {
    await server.expectReady();
    expect(await residentMb(server)).toBeLessThan(rssBefore + 150);
    expectCleanLog(server);
  });
});
