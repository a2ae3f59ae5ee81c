import { randomUUID } from 'node:crypto';
import { endRedisConnection, openRedisPubSub, type RedisConnection } from '../storage';
import type { TelemetryTuple } from '../telemetry';

/*
 * Telemetry between instances: the drone simulator runs on one instance (under its lease), but
 * fleet managers watch from every instance. Frames go out on one Redis channel
 * (`${prefix}telemetry`) as JSON `{o: <instance>, at, d: [...]}`; each instance hands frames from
 * the others to its own TelemetryHub, and its own frames directly (so a local watcher sees them
 * while Redis is down). Frames are ephemeral: a frame lost in a Redis outage is simply
 * superseded by the next one (1 s later at 1 Hz); nothing is queued.
 */

type Deliver = (at: number, fixes: TelemetryTuple[]) => void;

function parseFrame(text: string, self: string): { at: number; d: TelemetryTuple[] } | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { o, at, d } = value as Record<string, unknown>;
  if (o === self || typeof at !== 'number' || !Array.isArray(d)) return null;
  // Our own instances write these; a frame of another shape is dropped, not relayed.
  const ok = d.every((t) => Array.isArray(t) && t.length === 8 && typeof t[0] === 'string');
  return ok ? { at, d: d as TelemetryTuple[] } : null;
}

export class TelemetryRelay {
  static async open(options: {
    url: string;
    prefix: string;
    deliver: Deliver;
    onError: (error: Error) => void;
  }): Promise<TelemetryRelay> {
    const instanceId = randomUUID();
    const { publisher, subscriber } = await openRedisPubSub({
      url: options.url,
      purpose: 'Redis telemetry relay',
      namePrefix: 'fleetdesk-telemetry',
      instanceId,
      onError: options.onError,
    });
    const channel = `${options.prefix}telemetry`;
    const relay = new TelemetryRelay(publisher, subscriber, channel, instanceId, options);
    await subscriber.subscribe(channel, (message) => {
      const frame = parseFrame(message, instanceId);
      if (frame) options.deliver(frame.at, frame.d);
    });
    return relay;
  }

  private constructor(
    private readonly publisher: RedisConnection,
    private readonly subscriber: RedisConnection,
    private readonly channel: string,
    private readonly instanceId: string,
    private readonly options: { deliver: Deliver; onError: (error: Error) => void },
  ) {}

  /** To this instance's watchers now, and to every other instance's through Redis. */
  broadcast(at: number, fixes: TelemetryTuple[]): void {
    this.options.deliver(at, fixes);
    if (!this.publisher.isReady) return; // dropped: the next frame supersedes it
    this.publisher
      .publish(this.channel, JSON.stringify({ o: this.instanceId, at, d: fixes }))
      .catch((e: unknown) => {
        this.options.onError(e instanceof Error ? e : new Error(String(e)));
      });
  }

  async close(): Promise<void> {
    await Promise.all([endRedisConnection(this.publisher), endRedisConnection(this.subscriber)]);
  }
}
