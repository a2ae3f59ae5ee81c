import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ClientAbortError, HttpError, originAllowed, refuseUpgrade, sendJson } from '../http';
import type { Metrics } from '../observability';
import { CITY } from '../seed';
import type { TelemetryHub } from '../telemetry';
import type { YjsHub } from '../yjs';
import { handleApi, type ApiDeps } from './api-routes';
import type { Backend } from './backend';
import type { ServerConfig } from './server-config';

export const STORAGE_UNAVAILABLE = new HttpError(
  503,
  'STORAGE.UNAVAILABLE',
  'The server cannot reach its database right now; nothing was stored. Your desk keeps the change and sends it again.',
);

/** What the routers reach: the composed server's parts, and whether it is draining. */
export interface RouterDeps {
  readonly config: Pick<ServerConfig, 'allowedOrigins'>;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly backend: Pick<Backend, 'ready' | 'instanceId'>;
  readonly api: ApiDeps;
  readonly yjs: Pick<YjsHub, 'handleUpgrade'>;
  readonly telemetry: Pick<TelemetryHub, 'handleUpgrade'>;
  readonly draining: () => boolean;
}

/**
 * The HTTP router: health, readiness, metrics and /api/*. Every failure becomes a JSON
 * answer with a stable code (or, for a client that left, a counted abort); every request is
 * timed by route.
 */
export function createRequestRouter(
  d: RouterDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { config, log, metrics, backend } = d;
  return async (req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'http://localhost');
    let name = url.pathname;
    try {
      if (url.pathname === '/healthz') sendJson(res, 200, { status: 'ok' });
      else if (url.pathname === '/readyz') {
        // Scale-out: an instance whose database does not answer leaves the load balancer's rotation.
        const status = d.draining()
          ? 'draining'
          : backend.ready()
            ? 'ready'
            : 'storage-unavailable';
        sendJson(res, status === 'ready' ? 200 : 503, {
          status,
          region: CITY.region,
          ...(backend.instanceId === null ? {} : { instance: backend.instanceId }),
        });
      } else if (url.pathname === '/metrics') {
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text);
      } else if (url.pathname.startsWith('/api/')) {
        if (!originAllowed(req, config.allowedOrigins))
          throw new HttpError(
            403,
            'HTTP.ORIGIN_REFUSED',
            'Requests from this origin are not allowed.',
          );
        if (d.draining())
          throw new HttpError(
            503,
            'HTTP.DRAINING',
            'The server is restarting; try again in a moment.',
          );
        if (!backend.ready()) throw STORAGE_UNAVAILABLE;
        name = await handleApi(req, res, url, d.api);
      } else throw new HttpError(404, 'HTTP.NOT_FOUND', 'No such endpoint.');
    } catch (error) {
      if (error instanceof HttpError) {
        metrics.rejectedRequests.inc({ reason: error.code });
        if (!res.headersSent)
          sendJson(res, error.status, { code: error.code, message: error.message });
      } else if (error instanceof ClientAbortError) {
        // The client's doing, not the server's: counted, no stack, nobody left to answer.
        metrics.clientAborts.inc();
        log.debug({ route: name }, 'client aborted the request');
      } else if (!backend.ready()) {
        // The database went away during the request: say so, rather than "something went wrong".
        metrics.rejectedRequests.inc({ reason: STORAGE_UNAVAILABLE.code });
        if (!res.headersSent)
          sendJson(res, 503, {
            code: STORAGE_UNAVAILABLE.code,
            message: STORAGE_UNAVAILABLE.message,
          });
      } else {
        log.error({ err: error, route: name }, 'request failed');
        if (!res.headersSent)
          sendJson(res, 500, {
            code: 'HTTP.INTERNAL',
            message: 'Something went wrong on the server; the request was not applied.',
          });
      }
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.observe(
        { route: name.startsWith('/api/') ? name : url.pathname, status: String(res.statusCode) },
        seconds,
      );
    }
  };
}

/** The upgrade router: /yjs/<doc> to the Yjs hub, /telemetry to the telemetry hub, else 404. */
export function createUpgradeRouter(
  d: RouterDeps,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { config, yjs, telemetry } = d;
  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/yjs/')) yjs.handleUpgrade(req, socket, head);
    else if (url.pathname === '/telemetry') {
      if (d.draining()) {
        refuseUpgrade(socket, 503, 'server shutting down');
        return;
      }
      if (!originAllowed(req, config.allowedOrigins)) {
        refuseUpgrade(socket, 403, 'origin not allowed');
        return;
      }
      telemetry.handleUpgrade(req, socket, head, url);
    } else refuseUpgrade(socket, 404, 'no such endpoint');
  };
}
