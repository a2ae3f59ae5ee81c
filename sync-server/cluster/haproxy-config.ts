/**
 * HAProxy in front of the instances of a scale-out deployment (`npm run cluster`, the cluster
 * process tests): round robin without stickiness (any instance serves any desk or document),
 * health checks on /readyz every 500 ms (an instance whose database is unreachable, or that
 * drains, is out after 2 failed checks and back after 1 good one), and WebSocket-friendly
 * timeouts (`timeout tunnel`: a Yjs or telemetry socket may be quiet for a long time; the
 * server pings every 30 s). `on-marked-down shutdown-sessions` closes the sockets of an
 * instance that went down, so clients reconnect at once instead of waiting for a timeout.
 */
export interface HaproxyOptions {
  readonly bind: { readonly host: string; readonly port: number };
  /** A `backup` server gets traffic only while every other one is down. */
  readonly servers: readonly {
    readonly name: string;
    readonly port: number;
    readonly backup?: boolean;
  }[];
  readonly checkIntervalMs?: number;
}

export function haproxyConfig(options: HaproxyOptions): string {
  const inter = options.checkIntervalMs ?? 500;
  return [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    // Long polls of the change feed wait up to 25 s.
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout tunnel 1h',
    '  option redispatch',
    '  retries 2',
    'frontend fleetdesk',
    `  bind ${options.bind.host}:${options.bind.port}`,
    '  default_backend sync_servers',
    'backend sync_servers',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    `  default-server inter ${inter}ms fall 2 rise 1 on-marked-down shutdown-sessions`,
    ...options.servers.map(
      (s) => `  server ${s.name} 127.0.0.1:${s.port} check${s.backup === true ? ' backup' : ''}`,
    ),
    '',
  ].join('\n');
}
