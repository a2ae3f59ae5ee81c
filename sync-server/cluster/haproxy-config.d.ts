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
    readonly bind: {
        readonly host: string;
        readonly port: number;
    };
    readonly servers: readonly {
        readonly name: string;
        readonly port: number;
    }[];
    readonly checkIntervalMs?: number;
}
export declare function haproxyConfig(options: HaproxyOptions): string;
