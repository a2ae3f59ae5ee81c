import { DELIVERY_STAGES, STAGE_NAME, type DeliveryStage } from '../../domain/shipping';
import type { SearchHit } from '../contract';
import type { ReadableDb } from '../replica';
import { planSearch, prefixEnd } from './search-query';

/** Above this many matches a text query is too broad to rank usefully while typing. */
export const RANK_LIMIT = 300;

interface HitRow {
  kind: string;
  ref: string;
  body: string;
}

const RECORD_COLUMNS = 'r.kind AS kind, r.id AS ref, r.body AS body';

/**
 * Search-as-you-type over the local replica (works offline). Phone numbers, ids
 * and parcel tags are prefix ranges on B-tree indexes; words go to FTS5, where a
 * query matching at most RANK_LIMIT rows is ranked by bm25 (names and tags above
 * addresses) and a broader one returns its first matches unranked, because
 * ranking reads a position list per match and the agent is still typing. No
 * MATCH query carries a range filter (that defeats the FTS index).
 */
export class ReplicaSearch {
  #s: ReturnType<typeof prepare> | null = null;

  constructor(private readonly db: ReadableDb) {}

  /**
   * Statements are prepared on first use, not at start: during the initial
   * snapshot the lookup indexes they name do not exist yet (they are built at
   * its end), and a core started mid-snapshot must still start.
   */
  private get s(): ReturnType<typeof prepare> {
    this.#s ??= prepare(this.db);
    return this.#s;
  }

  search(input: string, limit = 20): SearchHit[] {
    try {
      return this.run(input, limit);
    } catch (error) {
      // The initial snapshot is still loading: search has nothing reliable to offer yet.
      if (error instanceof Error && /no such index/.test(error.message)) return [];
      throw error;
    }
  }

  private run(input: string, limit: number): SearchHit[] {
    const n = Math.min(Math.max(1, limit), 100);
    const plan = planSearch(input);
    let rows: HitRow[];
    switch (plan.kind) {
      case 'none':
        return [];
      case 'phone':
        rows = uniqueByRef([
          ...this.s.phoneIntl.all(plan.digits, prefixEnd(plan.digits), n),
          ...this.s.phoneNational.all(plan.digits, prefixEnd(plan.digits), n),
        ]).slice(0, n);
        break;
      case 'id':
        // Payments are not listed on their own: their delivery is.
        rows =
          plan.recordKind === 'payment'
            ? []
            : this.s.id.all(plan.recordKind, plan.prefix, prefixEnd(plan.prefix), n);
        break;
      case 'tag':
        rows = this.s.tag.all(plan.prefix, prefixEnd(plan.prefix), n);
        break;
      case 'text': {
        const matches = this.s.count.get(plan.fts, RANK_LIMIT + 1)?.n ?? 0;
        rows =
          matches > RANK_LIMIT ? this.s.unranked.all(plan.fts, n) : this.s.ranked.all(plan.fts, n);
        break;
      }
    }
    return rows.map(toHit);
  }
}

function prepare(db: ReadableDb) {
  return {
    count: db.prepare<[string, number], { n: number }>(
      'SELECT COUNT(*) AS n FROM (SELECT rowid FROM search WHERE search MATCH ? LIMIT ?)',
    ),
    // bm25 weights follow the column order: kind, ref, title, phone, email, address, tag.
    ranked: db.prepare<[string, number], HitRow>(
      `SELECT ${RECORD_COLUMNS} FROM (SELECT rowid, bm25(search, 0, 0, 10.0, 6.0, 4.0, 2.0, 8.0) AS rank
         FROM search WHERE search MATCH ? ORDER BY rank LIMIT ?) s
       JOIN records r ON r.rowid = s.rowid ORDER BY s.rank`,
    ),
    unranked: db.prepare<[string, number], HitRow>(
      `SELECT ${RECORD_COLUMNS} FROM (SELECT rowid FROM search WHERE search MATCH ? LIMIT ?) s JOIN records r ON r.rowid = s.rowid`,
    ),
    // INDEXED BY: without ANALYZE statistics the planner prefers the (kind, id) index and scans.
    phoneIntl: db.prepare<[string, string, number], HitRow>(
      `SELECT ${RECORD_COLUMNS} FROM records r INDEXED BY records_phone_intl WHERE r.kind = 'account'
         AND replace(json_extract(r.body, '$.phone'), '+', '') >= ? AND replace(json_extract(r.body, '$.phone'), '+', '') < ? LIMIT ?`,
    ),
    phoneNational: db.prepare<[string, string, number], HitRow>(
      `SELECT ${RECORD_COLUMNS} FROM records r INDEXED BY records_phone_national WHERE r.kind = 'account'
         AND '0' || substr(json_extract(r.body, '$.phone'), 4) >= ? AND '0' || substr(json_extract(r.body, '$.phone'), 4) < ? LIMIT ?`,
    ),
    id: db.prepare<[string, string, string, number], HitRow>(
      `SELECT ${RECORD_COLUMNS} FROM records r WHERE r.kind = ? AND r.id >= ? AND r.id < ? ORDER BY r.id LIMIT ?`,
    ),
    tag: db.prepare<[string, string, number], HitRow>(
      `SELECT ${RECORD_COLUMNS} FROM records r INDEXED BY records_parcel_tag WHERE r.kind = 'delivery'
         AND upper(json_extract(r.body, '$.parcel.tag')) >= ? AND upper(json_extract(r.body, '$.parcel.tag')) < ? LIMIT ?`,
    ),
  };
}

function uniqueByRef(rows: HitRow[]): HitRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.ref) && seen.add(r.ref));
}

/** The stage as every other screen spells it ("En route to pickup", not "en-route-to-pickup"). */
function stageName(stage: unknown): string {
  const s = String(stage);
  return (DELIVERY_STAGES as readonly string[]).includes(s) ? STAGE_NAME[s as DeliveryStage] : s;
}

function toHit(row: HitRow): SearchHit {
  const body = JSON.parse(row.body) as Record<string, unknown>;
  if (row.kind === 'account') {
    const address = body['address'] as { line1?: string; city?: string } | undefined;
    return {
      kind: 'account',
      id: row.ref,
      title: String(body['name']),
      subtitle: `${String(body['phone'])} · ${address?.line1 ?? ''}, ${address?.city ?? ''}`,
    };
  }
  const parcel = body['parcel'] as { tag?: string } | undefined;
  return {
    kind: 'delivery',
    id: row.ref,
    title: row.ref,
    subtitle: `${parcel?.tag ?? ''} · ${stageName(body['stage'])}`,
  };
}
