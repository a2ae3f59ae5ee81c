import { describe, expect, it } from 'vitest';
import type { PathStatus, SyncStatus } from '../../../../app/contract';
import { reason } from './StatusBar';

const path = (state: PathStatus['state'], detail?: string): PathStatus => ({
  state,
  lastConfirmedAt: 1,
  pending: 0,
  ...(detail ? { detail } : {}),
});

const status = (documents: Record<string, PathStatus>, feed = path('online')): SyncStatus => ({
  overall: 'degraded',
  feed: { ...feed, phase: 'live', received: 0 },
  outbox: { ...path('online'), needsAttention: 0 },
  documents,
  telemetry: path('offline', 'not used'),
});

describe('status bar reason', () => {
  it('a degraded bar names the shared documents when feed and outbox are fine', () => {
    expect(reason(status({ 'board/berlin/2026-12-03': path('degraded') }))).toBe(
      'Shared notes are read-only for you',
    );
    expect(reason(status({ 'board/berlin/2026-12-03': path('offline') }))).toBe(
      'A shared document is not synced',
    );
    expect(
      reason(
        status({ 'board/berlin/2026-12-03': path('offline'), 'status/berlin': path('offline') }),
      ),
    ).toBe('2 shared documents are not synced');
  });

  it('the feed and the outbox speak first', () => {
    expect(reason(status({ 'status/berlin': path('offline') }, path('offline', 'offline')))).toBe(
      'Server not reachable',
    );
  });
});
