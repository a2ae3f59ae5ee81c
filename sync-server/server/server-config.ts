/** Everything the sync server can be told, with the embedded defaults. */
export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Seed the demo dataset on first start with an empty data dir. */
  readonly seed: boolean;
  readonly seedCustomers: number;
  readonly seedDeliveries: number;
  readonly drones: number;
  /** Run the drone simulator (lifecycle + telemetry). */
  readonly simulate: boolean;
  /** Telemetry frames per second. */
  readonly hz: number;
  readonly allowedOrigins: readonly string[] | 'any';
  readonly logLevel: string;
  /** SQLite synchronous mode: NORMAL survives a process kill, FULL also a power loss. */
  readonly fsync: 'NORMAL' | 'FULL';
  readonly maxMessageBytes: number;
  readonly yjsMessagesPerSecond: number;
  readonly gatewayLatencyMs: { readonly min: number; readonly max: number };
  /** How often unfinished payment changes are retried (e.g. after a gateway outage). */
  readonly paymentSweepMs: number;
  readonly gatewayHalfOpenAfterMs: number;
}

export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 4100,
  dataDir: './data',
  seed: true,
  seedCustomers: 3000,
  seedDeliveries: 2000,
  drones: 40,
  simulate: true,
  hz: 1,
  allowedOrigins: 'any',
  logLevel: 'info',
  fsync: 'NORMAL',
  maxMessageBytes: 1 << 20,
  yjsMessagesPerSecond: 200,
  gatewayLatencyMs: { min: 40, max: 160 },
  paymentSweepMs: 1000,
  gatewayHalfOpenAfterMs: 5000,
};
