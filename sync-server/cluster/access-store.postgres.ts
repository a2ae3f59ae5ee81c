import { randomUUID } from 'node:crypto';
import { escapeIdentifier, type Pool } from 'pg';
import {
  refusal,
  type AccessStore,
  type DeskSeen,
  type LossReport,
  type Revocation,
} from '../access';
import type { TokenCheck } from '../auth';
import {
  asError,
  checkSchemaName,
  endRedisConnection,
  inPostgresTransaction,
  openRedisPubSub,
  type RedisConnection,
} from '../storage';

/*
 * The access store of a scale-out deployment (cluster migration 4): revocations, desks seen,
 * sign-in tokens per desk and loss reports in PostgreSQL, shared by every instance and the CLI.
 *
 * `check` runs on every authentication and must not wait for the database, so each instance
 * keeps the revocations in memory:
 * - a revocation made here is applied to this instance's copy before `revoke` resolves, and
 *   published on `${prefix}access:revoked` (awaited, so by the time the revoking request is
 *   answered the message is on its way to every instance, which applies it as it arrives);
 * - every instance re-reads the table every `refreshMs` (a revocation by the CLI without
 *   Redis, or one whose message a Redis outage lost, lands within that time);
 * - an access refresh (minting) calls `sync`, which re-reads first: no instance mints for a
 *   revoked user or desk, whatever Redis did.
 */

interface Cached {
  readonly users: Map<string, number>;
  readonly desks: Map<string, { revokedAt: number; reason: string }>;
  readonly signIns: Set<string>;
}

interface Message {
  readonly o: string;
  readonly kind: 'user' | 'desk';
  readonly subject: string;
  readonly revokedAt: number;
  readonly reason: string;
  readonly signIns: readonly string[];
}

function parseMessage(text: string, self: string): Message | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as Record<string, unknown>;
  const ok =
    m['o'] !== self &&
    (m['kind'] === 'user' || m['kind'] === 'desk') &&
    typeof m['subject'] === 'string' &&
    typeof m['revokedAt'] === 'number' &&
    typeof m['reason'] === 'string' &&
    Array.isArray(m['signIns']) &&
    m['signIns'].every((t) => typeof t === 'string');
  return ok ? (v as Message) : null;
}

export interface PostgresAccessStoreOptions {
  readonly pool: Pool;
  readonly schema: string;
  /** Without it (the CLI), instances learn of revocations at their next periodic re-read. */
  readonly redis?: { readonly url: string; readonly prefix: string };
  /** Periodic re-read; default 2 s. */
  readonly refreshMs?: number;
  readonly onError: (error: Error) => void;
}

export class PostgresAccessStore implements AccessStore {
  static async open(options: PostgresAccessStoreOptions): Promise<PostgresAccessStore> {
    const instanceId = randomUUID();
    const pubsub = options.redis
      ? await openRedisPubSub({
          url: options.redis.url,
          purpose: 'Redis access revocations',
          namePrefix: 'fleetdesk-access',
          instanceId,
          onError: options.onError,
        })
      : null;
    const store = new PostgresAccessStore(options, instanceId, pubsub);
    try {
      await store.sync();
      if (pubsub && options.redis)
        await pubsub.subscriber.subscribe(store.#channel, (text) => {
          const m = parseMessage(text, instanceId);
          if (m) store.#apply(m);
        });
    } catch (error) {
      await store.close();
      throw error;
    }
    store.#timer = setInterval(() => {
      store.sync().catch(options.onError);
    }, options.refreshMs ?? 2000);
    store.#timer.unref();
    return store;
  }

  readonly #pool: Pool;
  readonly #t: (table: string) => string;
  readonly #channel: string;
  readonly #listeners = new Set<() => void>();
  readonly #cache: Cached = { users: new Map(), desks: new Map(), signIns: new Set() };
  #generation = '';
  #syncing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly options: PostgresAccessStoreOptions,
    private readonly instanceId: string,
    private readonly pubsub: { publisher: RedisConnection; subscriber: RedisConnection } | null,
  ) {
    this.#pool = options.pool;
    const s = escapeIdentifier(checkSchemaName(options.schema));
    this.#t = (table) => `${s}.${table}`;
    this.#channel = `${options.redis?.prefix ?? ''}access:revoked`;
  }

  check(verified: TokenCheck): TokenCheck {
    const c = this.#cache;
    return refusal(verified, {
      userRevokedAt: (user) => c.users.get(user),
      deskRevoked: (desk) => c.desks.has(desk),
      signInRevoked: (id) => c.signIns.has(id),
    });
  }

  async revoke(kind: 'user' | 'desk', subject: string, reason: string, now: number) {
    const signIns = await inPostgresTransaction(this.#pool, async (client) => {
      await client.query(
        `INSERT INTO ${this.#t('access_revocations')} (kind, subject, revoked_at, reason)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (kind, subject) DO UPDATE SET revoked_at = $3, reason = $4`,
        [kind, subject, now, reason],
      );
      if (kind !== 'desk') return [];
      await client.query(
        `INSERT INTO ${this.#t('access_revoked_sign_ins')} (token_id, desk_id, revoked_at)
         SELECT token_id, desk_id, $2 FROM ${this.#t('access_desk_sign_ins')} WHERE desk_id = $1
         ON CONFLICT (token_id) DO NOTHING`,
        [subject, now],
      );
      const { rows } = await client.query<{ token_id: string }>(
        `SELECT token_id FROM ${this.#t('access_desk_sign_ins')} WHERE desk_id = $1`,
        [subject],
      );
      return rows.map((r) => r.token_id);
    });
    const message: Message = { o: this.instanceId, kind, subject, revokedAt: now, reason, signIns };
    this.#apply(message);
    const publisher = this.pubsub?.publisher;
    // Awaited: the revoking request is answered after Redis has sent this to every instance.
    if (publisher?.isReady)
      await publisher
        .publish(this.#channel, JSON.stringify(message))
        .catch((e: unknown) => this.options.onError(asError(e)));
  }

  async revocations(): Promise<Revocation[]> {
    const { rows } = await this.#pool.query<{
      kind: 'user' | 'desk';
      subject: string;
      revoked_at: string;
      reason: string;
    }>(
      `SELECT kind, subject, revoked_at, reason FROM ${this.#t('access_revocations')}
       ORDER BY revoked_at, kind, subject`,
    );
    return rows.map((r) => ({
      kind: r.kind,
      subject: r.subject,
      revokedAt: Number(r.revoked_at),
      reason: r.reason,
    }));
  }

  async deskRevocation(deskId: string): Promise<Revocation | null> {
    const { rows } = await this.#pool.query<{ revoked_at: string; reason: string }>(
      `SELECT revoked_at, reason FROM ${this.#t('access_revocations')}
       WHERE kind = 'desk' AND subject = $1`,
      [deskId],
    );
    const r = rows[0];
    return r
      ? { kind: 'desk', subject: deskId, revokedAt: Number(r.revoked_at), reason: r.reason }
      : null;
  }

  async deskSeen(deskId: string, userId: string, tokenId: string | undefined, now: number) {
    await this.#pool.query(
      `INSERT INTO ${this.#t('access_desks')} (desk_id, user_id, last_seen) VALUES ($1, $2, $3)
       ON CONFLICT (desk_id) DO UPDATE SET user_id = $2, last_seen = $3`,
      [deskId, userId, now],
    );
    if (tokenId !== undefined)
      await this.#pool.query(
        `INSERT INTO ${this.#t('access_desk_sign_ins')} (desk_id, token_id) VALUES ($1, $2)
         ON CONFLICT DO NOTHING`,
        [deskId, tokenId],
      );
  }

  async desks(): Promise<DeskSeen[]> {
    const { rows } = await this.#pool.query<{
      desk_id: string;
      user_id: string;
      last_seen: string;
    }>(
      `SELECT desk_id, user_id, last_seen FROM ${this.#t('access_desks')}
       ORDER BY last_seen DESC LIMIT 1000`,
    );
    return rows.map((d) => ({
      deskId: d.desk_id,
      userId: d.user_id,
      lastSeen: Number(d.last_seen),
    }));
  }

  async recordLoss(deskId: string, userId: string, report: LossReport, now: number) {
    await this.#pool.query(
      `INSERT INTO ${this.#t('access_loss_reports')} (desk_id, user_id, reported_at, report)
       VALUES ($1, $2, $3, $4)`,
      [deskId, userId, now, JSON.stringify(report)],
    );
  }

  async lossReports(deskId: string) {
    const { rows } = await this.#pool.query<{
      user_id: string;
      reported_at: string;
      report: LossReport;
    }>(
      `SELECT user_id, reported_at, report FROM ${this.#t('access_loss_reports')}
       WHERE desk_id = $1 ORDER BY id`,
      [deskId],
    );
    return rows.map((r) => ({
      userId: r.user_id,
      reportedAt: Number(r.reported_at),
      report: r.report,
    }));
  }

  /** Re-reads every revocation (single-flight); listeners hear of any change. */
  sync(): Promise<void> {
    this.#syncing ??= this.#reload().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#listeners.clear();
    if (this.pubsub)
      await Promise.all([
        endRedisConnection(this.pubsub.publisher),
        endRedisConnection(this.pubsub.subscriber),
      ]);
  }

  async #reload(): Promise<void> {
    const [revocations, signIns] = await Promise.all([
      this.#pool.query<{ kind: string; subject: string; revoked_at: string; reason: string }>(
        `SELECT kind, subject, revoked_at, reason FROM ${this.#t('access_revocations')}`,
      ),
      this.#pool.query<{ token_id: string }>(
        `SELECT token_id FROM ${this.#t('access_revoked_sign_ins')}`,
      ),
    ]);
    // Merged, never replaced: nothing is ever un-revoked, and a re-read that started before a
    // revocation this instance just applied must not drop it.
    for (const r of revocations.rows)
      this.#add(r.kind === 'user' ? 'user' : 'desk', r.subject, Number(r.revoked_at), r.reason);
    for (const r of signIns.rows) this.#cache.signIns.add(r.token_id);
    this.#changed();
  }

  #apply(m: Message): void {
    this.#add(m.kind, m.subject, m.revokedAt, m.reason);
    for (const id of m.signIns) this.#cache.signIns.add(id);
    this.#changed();
  }

  #add(kind: 'user' | 'desk', subject: string, revokedAt: number, reason: string): void {
    const c = this.#cache;
    if (kind === 'user') c.users.set(subject, Math.max(c.users.get(subject) ?? 0, revokedAt));
    else if ((c.desks.get(subject)?.revokedAt ?? -1) <= revokedAt)
      c.desks.set(subject, { revokedAt, reason });
  }

  /** Listeners only when what refuses changed (a re-read finding the same is silent). */
  #changed(): void {
    const c = this.#cache;
    let newest = 0;
    for (const t of c.users.values()) newest = Math.max(newest, t);
    for (const d of c.desks.values()) newest = Math.max(newest, d.revokedAt);
    const generation = `${c.users.size}:${c.desks.size}:${c.signIns.size}:${newest}`;
    if (generation === this.#generation) return;
    this.#generation = generation;
    for (const l of this.#listeners) l();
  }
}
