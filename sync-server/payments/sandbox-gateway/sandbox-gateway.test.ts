import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asId, expectOk, money, parseGatewayToken } from '../../../domain/shared';
import { openServerDatabase } from '../../storage';
import healthFixtures from './fixtures/health-responses.json';
import fixtures from './fixtures/responses.json';
import type { RawHealthResponse, RawResponse } from './sandbox-gateway.raw';
import { SandboxGatewayAdapter } from './sandbox-gateway.adapter';
import { SandboxGatewayService } from './sandbox-gateway.service';
import { translateAuthorize, translateHealth, translateVoid } from './sandbox-gateway.translator';

const raw = fixtures as Record<keyof typeof fixtures, RawResponse>;
const rawHealth = healthFixtures as Record<keyof typeof healthFixtures, RawHealthResponse>;

describe('sandbox gateway translator (recorded responses)', () => {
  it.each([
    ['held', { kind: 'approved', authorizationId: 'auth_5f0c2a9e41b84c7d' }],
    ['declinedFunds', { kind: 'declined', decline: 'insufficient-funds' }],
    ['declinedExpired', { kind: 'declined', decline: 'card-expired' }],
    ['declinedFraud', { kind: 'declined', decline: 'suspected-fraud' }],
    ['declinedGeneric', { kind: 'declined', decline: 'do-not-honor' }],
    ['declinedUnsupported', { kind: 'declined', decline: 'invalid-method' }],
    ['serviceUnavailable', { kind: 'unavailable', detail: 'gateway http 503' }],
    ['rateLimited', { kind: 'unavailable', detail: 'gateway http 429' }],
  ] as const)('authorize: %s', (name, outcome) => {
    expect(translateAuthorize(raw[name])).toEqual(outcome);
  });

  it.each([
    ['voided', { kind: 'voided' }],
    ['alreadyCaptured', { kind: 'refused', reason: 'already-captured' }],
    ['missing', { kind: 'refused', reason: 'unknown-authorization' }],
    ['serviceUnavailable', { kind: 'unavailable', detail: 'gateway http 503' }],
  ] as const)('void: %s', (name, outcome) => {
    expect(translateVoid(raw[name])).toEqual(outcome);
  });

  it.each([
    ['healthy', { kind: 'healthy' }],
    ['maintenance', { kind: 'unavailable', detail: 'gateway maintenance' }],
    ['serviceUnavailable', { kind: 'unavailable', detail: 'gateway http 503' }],
    ['rateLimited', { kind: 'unavailable', detail: 'gateway http 429' }],
    ['internalError', { kind: 'unavailable', detail: 'gateway http 500' }],
  ] as const)('health: %s', (name, outcome) => {
    expect(translateHealth(rawHealth[name])).toEqual(outcome);
  });

  it('treats a reused idempotency key as our bug, not an outage', () => {
    expect(() => translateAuthorize(raw.keyReuse)).toThrow(/refused our request/);
  });
});

describe('sandbox gateway service + adapter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetdesk-gw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const db = openServerDatabase(join(dir, 'gw.sqlite'));
  const service = new SandboxGatewayService(db, { min: 0, max: 1 });
  const adapter = new SandboxGatewayAdapter(service);
  const amount = expectOk(money(2599, 'EUR'));
  const paymentId = asId('Payment', 'pay-1');
  const token = (t: string) => expectOk(parseGatewayToken(t));
  const key = (k: string) => asId('IdempotencyKey', k);

  it('authorizes once per idempotency key, whatever the retries', async () => {
    const req = {
      idempotencyKey: key('k-auth-1'),
      paymentId,
      token: token('pm_sandbox_visa_ok_01'),
      amount,
    };
    const first = await adapter.authorize(req);
    const again = await adapter.authorize(req);
    expect(first.kind).toBe('approved');
    expect(again).toEqual(first);
    expect(await service.heldCount('pm_sandbox_visa_ok_01')).toBe(1);
  });

  it('a crash between the hold and its idempotency record leaves neither: the retry holds once', async () => {
    // The record's write fails as a crash right after the hold would cut it short.
    db.exec(`CREATE TEMP TRIGGER crash_before_record BEFORE INSERT ON sandbox_gateway_calls
             BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    const req = {
      idempotencyKey: key('k-auth-crash'),
      paymentId,
      token: token('pm_sandbox_visa_crash_01'),
      amount,
    };
    try {
      expect((await adapter.authorize(req)).kind).toBe('unavailable');
    } finally {
      db.exec('DROP TRIGGER crash_before_record');
    }
    expect(await service.heldCount('pm_sandbox_visa_crash_01')).toBe(0);
    expect((await adapter.authorize(req)).kind).toBe('approved');
    expect((await adapter.authorize(req)).kind).toBe('approved');
    expect(await service.heldCount('pm_sandbox_visa_crash_01')).toBe(1);
  });

  it('declines by test token', async () => {
    const out = await adapter.authorize({
      idempotencyKey: key('k-auth-2'),
      paymentId,
      token: token('pm_sandbox_decline_funds_01'),
      amount,
    });
    expect(out).toEqual({ kind: 'declined', decline: 'insufficient-funds' });
  });

  it('voids a hold, refuses a captured one, and records nothing while down', async () => {
    const held = await adapter.authorize({
      idempotencyKey: key('k-auth-3'),
      paymentId,
      token: token('pm_sandbox_mc_ok_02'),
      amount,
    });
    if (held.kind !== 'approved') throw new Error('expected approval');
    service.setFaults({ mode: 'down', failRate: 0, extraLatencyMs: 0 });
    const down = await adapter.voidAuthorization({
      idempotencyKey: key('k-void-3'),
      paymentId,
      authorizationId: held.authorizationId,
    });
    expect(down.kind).toBe('unavailable');
    service.setFaults({ mode: 'none', failRate: 0, extraLatencyMs: 0 });
    expect(
      await adapter.voidAuthorization({
        idempotencyKey: key('k-void-3'),
        paymentId,
        authorizationId: held.authorizationId,
      }),
    ).toEqual({ kind: 'voided' });
    expect(await service.heldCount('pm_sandbox_mc_ok_02')).toBe(0);

    const other = await adapter.authorize({
      idempotencyKey: key('k-auth-4'),
      paymentId,
      token: token('pm_sandbox_mc_ok_03'),
      amount,
    });
    if (other.kind !== 'approved') throw new Error('expected approval');
    await service.capture(other.authorizationId);
    expect(
      await adapter.voidAuthorization({
        idempotencyKey: key('k-void-4'),
        paymentId,
        authorizationId: other.authorizationId,
      }),
    ).toEqual({ kind: 'refused', reason: 'already-captured' });
  });

  it('answers the health check with its latency and injected faults, recording nothing', async () => {
    const slow = new SandboxGatewayService(db, { min: 30, max: 30 }, () => 0);
    const health = new SandboxGatewayAdapter(slow);
    const timed = async (): Promise<[string, number]> => {
      const started = performance.now();
      const outcome = await health.checkHealth();
      return [outcome.kind, performance.now() - started];
    };
    const calls = () => db.prepare('SELECT COUNT(*) AS n FROM sandbox_gateway_calls').get();
    const before = calls();

    const [ok, okMs] = await timed();
    expect(ok).toBe('healthy');
    expect(okMs).toBeGreaterThanOrEqual(25); // timer granularity
    slow.setFaults({ mode: 'none', failRate: 0, extraLatencyMs: 50 });
    const [late, lateMs] = await timed();
    expect(late).toBe('healthy');
    expect(lateMs).toBeGreaterThanOrEqual(75);
    slow.setFaults({ mode: 'down', failRate: 0, extraLatencyMs: 0 });
    expect(await health.checkHealth()).toEqual({
      kind: 'unavailable',
      detail: 'gateway http 503',
    });
    slow.setFaults({ mode: 'flaky', failRate: 0.5, extraLatencyMs: 0 }); // random() is 0: fails
    expect((await health.checkHealth()).kind).toBe('unavailable');
    expect(calls()).toEqual(before);
  });

  it('fails a share of calls in flaky mode', async () => {
    const flaky = new SandboxGatewayService(db, { min: 0, max: 0 }, () => 0.1);
    flaky.setFaults({ mode: 'flaky', failRate: 0.5, extraLatencyMs: 0 });
    const out = await new SandboxGatewayAdapter(flaky).authorize({
      idempotencyKey: key('k-auth-5'),
      paymentId,
      token: token('pm_sandbox_visa_ok_05'),
      amount,
    });
    expect(out.kind).toBe('unavailable');
  });
});
