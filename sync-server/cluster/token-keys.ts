import { randomBytes } from 'node:crypto';
import { escapeIdentifier, type Pool } from 'pg';
import type { KeyLookup } from '../auth';

/*
 * The access-token signing keys of a scale-out deployment, in PostgreSQL (cluster migration 1),
 * so every instance and the `token` command share them. Tokens name their key (`kid`).
 * Rotation: `rotate-key` adds a key, which signs from then on; the older keys keep verifying the
 * tokens they signed until they are retired (`rotate-key --retire-old`, once those tokens have
 * expired). Instances re-read the keys every `refreshMs`, so a new key is accepted everywhere
 * within that time; verification itself never waits for the database.
 */

export interface TokenKey {
  readonly kid: string;
  readonly secret: Buffer;
}

interface Row {
  kid: string;
  secret: Buffer;
}

export class TokenKeyRing {
  #keys = new Map<string, Buffer>();
  #signing: TokenKey | null = null;
  #timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  /** Loads the keys, creating the first one if there is none (first start of a deployment). */
  static async open(pool: Pool, schema: string): Promise<TokenKeyRing> {
    const ring = new TokenKeyRing(pool, `${escapeIdentifier(schema)}.token_keys`);
    // ON CONFLICT: instances starting together each try to create "k1"; one wins, all read it.
    await pool.query(
      `INSERT INTO ${ring.table} (kid, secret, created_at)
       SELECT 'k1', $1, $2 WHERE NOT EXISTS (SELECT 1 FROM ${ring.table})
       ON CONFLICT (kid) DO NOTHING`,
      [randomBytes(32), Date.now()],
    );
    await ring.refresh();
    return ring;
  }

  /** Re-reads the keys every `refreshMs` until `close`; a failed read keeps the last keys. */
  watch(refreshMs: number, onError: (error: Error) => void): void {
    this.#timer = setInterval(() => {
      this.refresh().catch(onError);
    }, refreshMs);
    this.#timer.unref();
  }

  async refresh(): Promise<void> {
    const { rows } = await this.pool.query<Row>(
      `SELECT kid, secret FROM ${this.table} WHERE retired_at IS NULL ORDER BY created_at, kid`,
    );
    const last = rows.at(-1);
    if (!last) throw new Error('No token signing key is active (all retired); run rotate-key.');
    this.#keys = new Map(rows.map((r) => [r.kid, r.secret]));
    this.#signing = { kid: last.kid, secret: last.secret };
  }

  /** The key new tokens are signed with. */
  signing(): TokenKey {
    if (!this.#signing) throw new Error('token keys not loaded');
    return this.#signing;
  }

  /** For `verifyToken`: a token without `kid` or with a retired one is refused. */
  readonly lookup: KeyLookup = (kid) => (kid === undefined ? undefined : this.#keys.get(kid));

  /** Adds a signing key; with `retireOld`, every other key stops verifying. Resolves to its id. */
  async rotate(retireOld: boolean): Promise<string> {
    const kid = `k${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
    const now = Date.now();
    await this.pool.query(
      `INSERT INTO ${this.table} (kid, secret, created_at) VALUES ($1, $2, $3)`,
      [kid, randomBytes(32), now],
    );
    if (retireOld)
      await this.pool.query(
        `UPDATE ${this.table} SET retired_at = $2 WHERE kid <> $1 AND retired_at IS NULL`,
        [kid, now],
      );
    await this.refresh();
    return kid;
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
  }
}
