import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  acknowledgeAlert,
  observeAlertAcks,
  observeDelivery,
  readAlertAcks,
  readAlertAcksAcross,
  readBoardView,
  setFlagMarked,
  type BoardDoc,
} from './index';

const D = 'dlv-2002';
const board = (): BoardDoc => ({ ydoc: new Y.Doc() });
function merge(a: BoardDoc, b: BoardDoc): void {
  Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc, Y.encodeStateVector(b.ydoc)));
  Y.applyUpdate(a.ydoc, Y.encodeStateAsUpdate(b.ydoc, Y.encodeStateVector(a.ydoc)));
}

describe('flags with who and when', () => {
  it('records the setter of each flag in the same update, and the other desk sees both', () => {
    const a = board();
    const b = board();
    const updates: Uint8Array[] = [];
    a.ydoc.on('update', (u: Uint8Array) => updates.push(u));
    const r = setFlagMarked(a, D, 'priority', 'urgent', 'fm-1', 1000);
    expect(r.ok && r.value.flags).toEqual({ priority: 'urgent', vip: false });
    expect(updates).toHaveLength(1);
    setFlagMarked(a, D, 'vip', true, 'fm-1', 2000);
    setFlagMarked(b, D, 'vip', false, 'fm-2', 3000);
    merge(a, b);
    expect(readBoardView(a, D)).toEqual(readBoardView(b, D));
    const view = readBoardView(b, D);
    expect(view.flagMarks.priority).toEqual({ userId: 'fm-1', at: 1000 });
    // Last writer per flag (Yjs picks one deterministically); its mark travels with it.
    expect(view.flagMarks.vip?.userId).toBe(view.flags.vip ? 'fm-1' : 'fm-2');
  });

  it('refuses bad values and users without writing, and tells observers once per change', () => {
    const doc = board();
    const seen: unknown[] = [];
    observeDelivery(doc, D, (s) => seen.push(s.flags));
    const bad = setFlagMarked(doc, D, 'priority', 'asap' as 'high', 'fm-1', 1);
    expect(!bad.ok && bad.error.code).toBe('FLAG.INVALID');
    expect(!setFlagMarked(doc, D, 'vip', true, 'not a user', 1).ok).toBe(true);
    expect(readBoardView(doc, D).flagMarks).toEqual({ priority: null, vip: null });
    setFlagMarked(doc, D, 'vip', true, 'fm-1', 5);
    expect(seen).toEqual([{ priority: 'normal', vip: true }]);
  });
});

describe('alert acknowledgements', () => {
  it('a critical alert needs a reason without card data; acks converge between desks', () => {
    const a = board();
    const b = board();
    const key = 'drone-7:lost';
    const noReason = acknowledgeAlert(
      a,
      { alertKey: key, cause: 'lost@1', critical: true },
      'fm-1',
      1,
    );
    expect(!noReason.ok && noReason.error.code).toBe('ALERT.REASON_REQUIRED');
    const card = acknowledgeAlert(
      a,
      { alertKey: key, cause: 'lost@1', critical: true, reason: 'card 4242 4242 4242 4242' },
      'fm-1',
      1,
    );
    expect(!card.ok && card.error.code).toMatch(/^NOTE\.CONTAINS_/);
    expect(readAlertAcks(a)).toEqual([]);

    let heard = 0;
    observeAlertAcks(b, () => (heard += 1));
    const ok = acknowledgeAlert(
      a,
      { alertKey: key, cause: 'lost@1', critical: true, reason: ' Pilot called, landed safely ' },
      'fm-1',
      42,
    );
    expect(ok.ok && ok.value.reason).toBe('Pilot called, landed safely');
    acknowledgeAlert(b, { alertKey: 'drone-2:battery', cause: 'low', critical: false }, 'fm-2', 43);
    merge(a, b);
    expect(heard).toBe(2);
    expect(readAlertAcks(a)).toEqual(readAlertAcks(b));
    expect(readAlertAcks(a).map((x) => [x.alertKey, x.userId, x.reason])).toEqual([
      ['drone-2:battery', 'fm-2', null],
      [key, 'fm-1', 'Pilot called, landed safely'],
    ]);
  });

  it('refuses a card-shaped key or cause, as the server would (the desk never shows it taken)', () => {
    const doc = board();
    // 1764777600008 passes the Luhn check: as raw digits in a cause the server refused it.
    for (const input of [
      { alertKey: 'drone-1:lost', cause: 'lost@1764777600008' },
      { alertKey: 'drone-4111111111111111:lost', cause: 'lost' },
    ]) {
      const r = acknowledgeAlert(doc, { ...input, critical: false }, 'fm-1', 1);
      expect(!r.ok && r.error.code).toBe('ALERT.CAUSE_INVALID');
    }
    expect(readAlertAcks(doc)).toEqual([]);
    const ok = acknowledgeAlert(
      doc,
      // Spelled as the fleet screen does (renderer/src/features/fleet/alert-cause.ts).
      { alertKey: 'drone-1:lost', cause: 'lost@2025-12-03T16:00:00.008Z', critical: false },
      'fm-1',
      1,
    );
    expect(ok.ok).toBe(true);
  });

  it("yesterday's acknowledgements still count after midnight; the new day's replace them", () => {
    const yesterday = board();
    const today = board();
    acknowledgeAlert(
      yesterday,
      { alertKey: 'region:payments', cause: 'down@x', critical: true, reason: 'Told agents' },
      'fm-1',
      1,
    );
    acknowledgeAlert(
      yesterday,
      { alertKey: 'drone-1:lost', cause: 'lost@x', critical: false },
      'fm-1',
      2,
    );
    acknowledgeAlert(
      today,
      { alertKey: 'drone-1:lost', cause: 'lost@y', critical: false },
      'fm-2',
      3,
    );
    expect(
      readAlertAcksAcross([yesterday, today]).map((a) => [a.alertKey, a.userId, a.cause]),
    ).toEqual([
      ['drone-1:lost', 'fm-2', 'lost@y'],
      ['region:payments', 'fm-1', 'down@x'],
    ]);
  });

  it('skips malformed acknowledgements written by a faulty client', () => {
    const doc = board();
    doc.ydoc.getMap('alert-acks').set('x', { alertKey: 'x', cause: 5 });
    expect(readAlertAcks(doc)).toEqual([]);
  });
});
