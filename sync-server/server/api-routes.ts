import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { authFailure, handleAccessApi, type AccessDeps } from '../access';
import { auditRoute } from '../audit';
import type { Principal, TokenCheck } from '../auth';
import type { CommandRecordBody, CommandService } from '../commands';
import type { FeedService } from '../feed';
import { bearerToken, HttpError, intParam, readJson, sendJson } from '../http';
import type { SandboxFaults } from '../payments';
import { InvalidCursorError, type RecordStorePort } from '../records';
import type { Admission, RequestClass } from './admission';
import { batchRoute } from './batch-route';
import { sendJsonCompressed } from './compressed-json';

export interface ApiDeps {
  readonly authenticate: (token: string | null) => TokenCheck;
  readonly commands: CommandService;
  readonly feed: FeedService;
  readonly store: RecordStorePort;
  readonly gatewayFaults: { get(): SandboxFaults; set(f: SandboxFaults): void };
  readonly breakerState: () => string;
  readonly admission: Admission;
  readonly log: Logger;
  /** Null only where a test wires the API without revocation. */
  readonly access: AccessDeps | null;
}

const MAX_COMMAND_BYTES = 16 * 1024;

type Route = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  principal: Principal,
  deps: ApiDeps,
) => Promise<void>;

/**
 * The authenticated JSON API (README: "Command API", "Change feed"). Every
 * route needs a bearer token; each answers JSON, errors as {code, message}.
 */
const ROUTES: Readonly<Record<string, Route>> = {
  'GET /api/session': async (_req, res, _url, p) => {
    sendJson(res, 200, { userId: p.userId, role: p.role, expiresAt: p.expiresAt });
    return Promise.resolve();
  },
  'POST /api/commands': async (req, res, _url, p, deps) => {
    const reply = await deps.commands.handle(await readJson(req, MAX_COMMAND_BYTES), p);
    sendJson(res, reply.http, reply.body);
  },
  'POST /api/commands/batch': (req, res, _url, p, deps) => batchRoute(req, res, p, deps),
  'GET /api/feed/snapshot': async (req, res, url, p, deps) => {
    const upTo = url.searchParams.has('upTo') ? intParam(url, 'upTo', 0) : null;
    const reply = await deps.feed
      .snapshot(p, upTo, url.searchParams.get('after'), intParam(url, 'limit', 1000))
      .catch((error: unknown) => {
        if (error instanceof InvalidCursorError)
          throw new HttpError(400, error.code, error.message);
        throw error;
      });
    await sendJsonCompressed(req, res, 200, reply);
  },
  'GET /api/feed/changes': async (req, res, url, p, deps) => {
    const abort = new AbortController();
    req.on('close', () => abort.abort());
    const reply = await deps.feed.changes(
      p,
      intParam(url, 'since', 0),
      intParam(url, 'limit', 1000),
      intParam(url, 'waitMs', 0),
      abort.signal,
    );
    if (!reply.ok) throw new HttpError(410, reply.code, reply.message);
    await sendJsonCompressed(req, res, 200, { changes: reply.changes, nextSince: reply.nextSince });
  },
  'GET /api/audit': (_req, res, url, p, deps) => auditRoute(res, url, p, deps.store),
  'GET /api/admin/gateway-faults': async (_req, res, _url, p, deps) => {
    requireSupervisor(p);
    sendJson(res, 200, { faults: deps.gatewayFaults.get(), breaker: deps.breakerState() });
    return Promise.resolve();
  },
  'PUT /api/admin/gateway-faults': async (req, res, _url, p, deps) => {
    requireSupervisor(p);
    deps.gatewayFaults.set(parseFaults(await readJson(req, 1024)));
    sendJson(res, 200, { faults: deps.gatewayFaults.get(), breaker: deps.breakerState() });
  },
};

/**
 * Which admission budget a route uses: catch-up work (batches, snapshot pages)
 * is bulk and queues; change-feed long polls mostly wait, so they only have a
 * per-user cap; everything else is an operator's click and goes first.
 */
const ROUTE_CLASS: Readonly<Record<string, RequestClass>> = {
  'POST /api/commands/batch': 'bulk',
  'GET /api/feed/snapshot': 'bulk',
  'GET /api/feed/changes': 'feed',
};

/** Runs a route under admission control; a shed request gets 429/503 with Retry-After. */
async function admitted(
  res: ServerResponse,
  deps: ApiDeps,
  key: string,
  user: string,
  work: () => Promise<void>,
): Promise<void> {
  const result = await deps.admission.run(ROUTE_CLASS[key] ?? 'interactive', user, work);
  if (result.ok) return;
  const { status, code, message, retryAfterS } = result.shed;
  sendJson(res, status, { code, message, retryAfterS }, { 'retry-after': String(retryAfterS) });
}

/** GET /api/commands/<key>: where one of my commands stands now. */
async function commandStatus(
  res: ServerResponse,
  key: string,
  p: Principal,
  deps: ApiDeps,
): Promise<void> {
  const record = await deps.store.get<CommandRecordBody>('command', key);
  if (!record || record.owner !== p.userId)
    throw new HttpError(404, 'COMMAND.NOT_FOUND', 'No command with that id was received from you.');
  sendJson(res, 200, {
    idempotencyKey: key,
    name: record.body.name,
    ...record.body.current,
    firstOutcome: record.body.firstOutcome,
    target: record.body.target,
    seq: record.seq,
  });
}

export async function handleApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: ApiDeps,
): Promise<string> {
  // Only the header: a token in the URL stays in proxy logs and browser history (WebSocket
  // upgrades, which browsers cannot give a header, are the one place that takes `?token=`).
  if (url.searchParams.has('token'))
    throw new HttpError(
      400,
      'AUTH.TOKEN_IN_URL',
      'Send the access token in the Authorization header, not in the URL.',
    );
  // Refresh, loss reports and revocation admin (sync-server/access) authenticate their own way.
  const access = deps.access ? await handleAccessApi(req, res, url, deps.access) : null;
  if (access !== null) return access;
  const check = deps.authenticate(bearerToken(req));
  if (!check.ok) throw authFailure(check);
  const key = `${req.method ?? 'GET'} ${url.pathname}`;
  const route = ROUTES[key];
  const principal = check.principal;
  if (route) {
    await admitted(res, deps, key, principal.userId, () => route(req, res, url, principal, deps));
    return key;
  }
  const commandKey = /^\/api\/commands\/([A-Za-z0-9_.:-]{1,80})$/.exec(url.pathname)?.[1];
  if (req.method === 'GET' && commandKey) {
    await admitted(res, deps, 'GET /api/commands/:key', principal.userId, () =>
      commandStatus(res, commandKey, principal, deps),
    );
    return 'GET /api/commands/:key';
  }
  throw new HttpError(404, 'HTTP.NOT_FOUND', 'No such endpoint.');
}

function requireSupervisor(p: Principal): void {
  if (p.role !== 'supervisor')
    throw new HttpError(
      403,
      'AUTH.FORBIDDEN',
      'Only supervisors may change gateway fault injection.',
    );
}

function parseFaults(raw: unknown): SandboxFaults {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const mode = o['mode'];
  if (mode !== 'none' && mode !== 'down' && mode !== 'flaky' && mode !== 'refuse-voids')
    throw new HttpError(
      400,
      'HTTP.BAD_PARAMETER',
      'mode must be none, down, flaky or refuse-voids.',
    );
  const failRate = typeof o['failRate'] === 'number' ? o['failRate'] : 0.5;
  const extraLatencyMs = typeof o['extraLatencyMs'] === 'number' ? o['extraLatencyMs'] : 0;
  if (!(failRate >= 0 && failRate <= 1) || !(extraLatencyMs >= 0 && extraLatencyMs <= 60_000)) {
    throw new HttpError(
      400,
      'HTTP.BAD_PARAMETER',
      'failRate must be 0..1 and extraLatencyMs 0..60000.',
    );
  }
  return { mode, failRate, extraLatencyMs };
}
