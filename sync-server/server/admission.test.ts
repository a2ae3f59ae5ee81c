import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Admission, DEFAULT_ADMISSION, type AdmissionLimits } from './admission';

const gate = () => {
  let open: () => void = () => undefined;
  const p = new Promise<void>((r) => (open = r));
  return { p, open: () => open() };
};
const tick = () => new Promise((r) => setImmediate(r));

function admission(limits: Partial<AdmissionLimits>) {
  const registry = new Registry();
  return { a: new Admission({ ...DEFAULT_ADMISSION, ...limits }, registry), registry };
}

describe('Admission', () => {
  it('caps a user with 429 and the instance queue with 503, both with Retry-After', async () => {
    const { a, registry } = admission({ bulkInFlight: 1, bulkQueue: 1, perUserBulk: 2 });
    const g = gate();
    const first = a.run('bulk', 'u1', () => g.p);
    const second = a.run('bulk', 'u1', () => Promise.resolve()); // queued
    expect(await a.run('bulk', 'u1', () => Promise.resolve())).toMatchObject({
      ok: false,
      shed: { status: 429, code: 'ADMISSION.USER_LIMIT', retryAfterS: 1 },
    });
    expect(await a.run('bulk', 'u2', () => Promise.resolve())).toMatchObject({
      ok: false,
      shed: { status: 503, code: 'ADMISSION.BUSY' },
    });
    expect(a.queueDepth()).toBe(1);
    g.open();
    expect(await first).toEqual({ ok: true, value: undefined });
    expect(await second).toEqual({ ok: true, value: undefined });
    const text = await registry.metrics();
    expect(text).toMatch(
      /fleetdesk_admission_shed_total\{class="bulk",code="ADMISSION.USER_LIMIT"\} 1/,
    );
    expect(text).toMatch(/fleetdesk_admission_shed_total\{class="bulk",code="ADMISSION.BUSY"\} 1/);
  });

  it('runs interactive work at once while bulk work waits', async () => {
    const { a } = admission({ bulkInFlight: 1 });
    const g = gate();
    const bulk = a.run('bulk', 'desk', () => g.p);
    const queued = a.run('bulk', 'desk-2', () => Promise.resolve('late'));
    expect(await a.run('interactive', 'agent', () => Promise.resolve('now'))).toEqual({
      ok: true,
      value: 'now',
    });
    expect(a.queueDepth()).toBe(1);
    g.open();
    await bulk;
    expect(await queued).toEqual({ ok: true, value: 'late' });
  });

  it('serves the desk that got least so far first, not the one with the longest backlog', async () => {
    const { a } = admission({ bulkInFlight: 1, perUserBulk: 5 });
    const order: string[] = [];
    const g = gate();
    const running = a.run('bulk', 'big', () => g.p);
    const all = [
      a.run('bulk', 'big', () => Promise.resolve(order.push('big'))),
      a.run('bulk', 'big', () => Promise.resolve(order.push('big'))),
      a.run('bulk', 'small', () => Promise.resolve(order.push('small'))),
    ];
    g.open();
    await Promise.all([running, ...all]);
    expect(order).toEqual(['small', 'big', 'big']);
  });

  it('sheds a request that waited too long and leaks no slot', async () => {
    const { a } = admission({ bulkInFlight: 1, bulkQueueTimeoutMs: 30 });
    const g = gate();
    const running = a.run('bulk', 'a', () => g.p);
    expect(await a.run('bulk', 'b', () => Promise.resolve())).toMatchObject({
      ok: false,
      shed: { status: 503 },
    });
    g.open();
    await running;
    await tick();
    expect(await a.run('bulk', 'c', () => Promise.resolve('ran'))).toEqual({
      ok: true,
      value: 'ran',
    });
  });

  it('releases the slot when the work throws', async () => {
    const { a } = admission({ bulkInFlight: 1 });
    await expect(a.run('bulk', 'a', () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    expect(await a.run('bulk', 'a', () => Promise.resolve(1))).toEqual({ ok: true, value: 1 });
  });
});
