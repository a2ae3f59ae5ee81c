import { describe, expect, it } from 'vitest';
import { decodeTelemetryFrame, encodeTelemetryFrame, type TelemetryTuple } from './telemetry';

const tuple: TelemetryTuple = ['drone-1', 52.5, 13.4, 90, 12.5, 80, 'flying', 1_000];

describe('telemetry frame', () => {
  it('reads back what the hub writes', () => {
    expect(decodeTelemetryFrame(encodeTelemetryFrame(2_000, [tuple]))).toEqual({
      at: 2_000,
      fixes: [
        {
          id: 'drone-1',
          lat: 52.5,
          lng: 13.4,
          headingDeg: 90,
          speedMps: 12.5,
          batteryPct: 80,
          status: 'flying',
          at: 1_000,
        },
      ],
    });
  });

  it('refuses what is not a frame and skips tuples that do not fit', () => {
    expect(decodeTelemetryFrame('not json')).toBeNull();
    expect(decodeTelemetryFrame('{"d":[]}')).toBeNull();
    expect(decodeTelemetryFrame('[1,2]')).toBeNull();
    const text = JSON.stringify({
      t: 5,
      d: [tuple, ['short', 1], [7, 1, 2, 3, 4, 5, 'x', 6], ['d', 1, 2, 3, 4, null, 'x', 6], 'x'],
    });
    expect(decodeTelemetryFrame(text)?.fixes.map((f) => f.id)).toEqual(['drone-1']);
  });
});
