import { describe, expect, it } from 'vitest';
import { SyncStatusTracker, type OutboxCounts } from './sync-status-tracker';

function tracker(outbox: OutboxCounts = { pending: 0, needsAttention: 0, oldestDueAt: null }) {
  const clock = { now: 1_000_000 };
  const counts = { ...outbox };
  const seen: string[] = [];
  const t = new SyncStatusTracker({
    now: () => clock.now,
    feedStaleMs: 5_000,
    outboxStallMs: 10_000,
    outbox: () => counts,
    onChange: (s) => seen.push(s.overall),
  });
  return { t, clock, counts, seen };
}

describe('SyncStatusTracker', () => {
  it('is online once this run of the feed has answered, with an empty outbox and synced documents', () => {
    const { t, clock } = tracker();
    t.loopsStarted(false);
    expect(t.snapshot().feed).toMatchObject({ state: 'offline', detail: 'connecting' });
    t.answered('feed', 'online', clock.now);
    t.document('board/berlin/2026-11-22', { state: 'online' });
    expect(t.snapshot()).toMatchObject({
      overall: 'online',
      outbox: { state: 'online', pending: 0 },
    });
  });

  it('is never online while the loops are not running, whatever they last said', () => {
    const { t, clock } = tracker();
    t.loopsStarted(false);
    t.answered('feed', 'online', clock.now);
    t.loopsStopped('signed out');
    expect(t.snapshot()).toMatchObject({
      overall: 'offline',
      feed: { state: 'offline', detail: 'signed out', lastConfirmedAt: clock.now },
    });
    // A new run proves itself again: an earlier run's answer does not count.
    t.loopsStarted(false);
    expect(t.snapshot().overall).toBe('offline');
    t.loopEnded('feed');
    t.answered('outbox', 'online', clock.now);
    expect(t.snapshot().feed).toMatchObject({ state: 'offline', detail: 'stopped unexpectedly' });
  });

  it('turns a feed that stops answering into "stalled" without any event', () => {
    const { t, clock, seen } = tracker();
    t.loopsStarted(false);
    t.answered('feed', 'online', clock.now);
    clock.now += 5_001;
    t.refresh();
    expect(t.snapshot().feed).toMatchObject({ state: 'degraded', detail: 'stalled' });
    expect(seen.at(-1)).toBe('degraded');
  });

  it('reads pending from the outbox at every look, and calls a due command nobody sends stalled', () => {
    const { t, clock, counts } = tracker();
    t.loopsStarted(false);
    t.answered('feed', 'online', clock.now);
    counts.pending = 1;
    counts.oldestDueAt = clock.now;
    expect(t.snapshot()).toMatchObject({ overall: 'online', outbox: { pending: 1 } });
    clock.now += 4_000;
    t.answered('feed', 'online', clock.now);
    clock.now += 7_000;
    t.answered('feed', 'online', clock.now);
    expect(t.snapshot()).toMatchObject({
      overall: 'degraded',
      outbox: { state: 'degraded', detail: 'stalled' },
    });
    t.answered('outbox', 'offline', clock.now);
    expect(t.snapshot().outbox).toMatchObject({ state: 'offline', detail: 'offline' });
    counts.pending = 0;
    counts.needsAttention = 1;
    expect(t.snapshot().overall).toBe('degraded');
  });

  it('is offline when neither the feed nor the outbox reaches the server', () => {
    const { t, clock, counts } = tracker();
    t.loopsStarted(false);
    counts.pending = 1;
    t.answered('feed', 'offline', clock.now);
    t.answered('outbox', 'offline', clock.now);
    expect(t.snapshot().overall).toBe('offline');
  });

  it('keeps "last confirmed" from an earlier run and saves it when the server confirms', () => {
    const saved: unknown[] = [];
    const t = new SyncStatusTracker({
      now: () => 2_000,
      confirmed: { feed: 1_500, outbox: null },
      saveConfirmed: (v) => saved.push(v),
    });
    expect(t.snapshot().feed.lastConfirmedAt).toBe(1_500);
    t.loopsStarted(false);
    t.answered('outbox', 'online', 2_000);
    expect(saved).toEqual([{ feed: 1_500, outbox: 2_000 }]);
  });
});
