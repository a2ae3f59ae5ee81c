/**
 * The telemetry stream's frame (server → fleet desks over `/telemetry`), defined once for
 * the hub that writes it and the desk client that reads it:
 *
 *   {"t": <frame time, epoch ms>, "d": [[id, lat, lng, headingDeg, speedMps, batteryPct, status, fixAtMs], …]}
 *
 * Positional tuples keep a 1 Hz frame of a whole fleet small.
 */
export type TelemetryTuple = [string, number, number, number, number, number, string, number];

/** One drone's latest position, as a desk keeps and shows it. */
export interface TelemetryFix {
  readonly id: string;
  readonly lat: number;
  readonly lng: number;
  readonly headingDeg: number;
  readonly speedMps: number;
  readonly batteryPct: number;
  readonly status: string;
  readonly at: number;
}

export function encodeTelemetryFrame(at: number, fixes: readonly TelemetryTuple[]): string {
  return JSON.stringify({ t: at, d: fixes });
}

/**
 * Reads one frame. Null when it is not a frame at all; a tuple that does not fit is skipped
 * (telemetry is ephemeral: the next frame will do).
 */
export function decodeTelemetryFrame(text: string): { at: number; fixes: TelemetryFix[] } | null {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof frame !== 'object' || frame === null) return null;
  const { t, d } = frame as { t?: unknown; d?: unknown };
  if (typeof t !== 'number' || !Array.isArray(d)) return null;
  const fixes: TelemetryFix[] = [];
  for (const raw of d as unknown[]) {
    if (!Array.isArray(raw) || raw.length !== 8) continue;
    const [id, lat, lng, headingDeg, speedMps, batteryPct, status, at] = raw as unknown[];
    if (
      typeof id === 'string' &&
      typeof status === 'string' &&
      finite(lat) &&
      finite(lng) &&
      finite(headingDeg) &&
      finite(speedMps) &&
      finite(batteryPct) &&
      finite(at)
    )
      fixes.push({ id, lat, lng, headingDeg, speedMps, batteryPct, status, at });
  }
  return { at: t, fixes };
}

const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
