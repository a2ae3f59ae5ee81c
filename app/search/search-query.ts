const MAX_QUERY_CHARS = 200;

/** How a typed query is answered: one of three index paths, chosen by its shape. */
export type SearchPlan =
  | { readonly kind: 'none' }
  /** Digits (with phone punctuation): B-tree range over phone numbers. */
  | { readonly kind: 'phone'; readonly digits: string }
  /** "del-0000…", "cus-12…", "pay-…": B-tree range over record ids. */
  | {
      readonly kind: 'id';
      readonly recordKind: 'delivery' | 'account' | 'payment';
      readonly prefix: string;
    }
  /** "PKG-2A…": B-tree range over parcel tags. */
  | { readonly kind: 'tag'; readonly prefix: string }
  /** Words: FTS5 over names, emails, addresses, tags. */
  | { readonly kind: 'text'; readonly fts: string };

const ID_PREFIXES = { del: 'delivery', cus: 'account', pay: 'payment' } as const;

/**
 * Classifies what an agent typed. Every FTS token is quoted, so FTS5 operators in
 * the input are inert; words of one character are exact terms, not prefixes — a
 * one-letter prefix matches a large share of the index and is slow to merge
 * ("kastanienallee 1" still finds house number 1; the next keystroke makes it a prefix).
 */
export function planSearch(input: string): SearchPlan {
  const text = input.slice(0, MAX_QUERY_CHARS).normalize('NFKC').trim();
  if (/^[\d\s+()./-]+$/.test(text)) {
    const digits = text.replace(/\D/g, '');
    return digits.length >= 3 ? { kind: 'phone', digits } : { kind: 'none' };
  }
  const id = /^(del|cus|pay)-([a-z0-9]*)$/i.exec(text);
  if (id?.[1]) {
    return {
      kind: 'id',
      recordKind: ID_PREFIXES[id[1].toLowerCase() as keyof typeof ID_PREFIXES],
      prefix: text.toLowerCase(),
    };
  }
  if (/^pkg-[a-z0-9]*$/i.test(text)) return { kind: 'tag', prefix: text.toUpperCase() };
  const tokens = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (tokens.length === 0 || (tokens.length === 1 && tokens.join('').length < 2))
    return { kind: 'none' };
  const fts = tokens
    .slice(0, 8)
    .map((t) => (t.length < 2 ? `"${t}"` : `"${t}"*`))
    .join(' ');
  return { kind: 'text', fts };
}

/** The smallest string greater than every string with this prefix (for range scans). */
export const prefixEnd = (prefix: string): string => `${prefix}\u{10FFFF}`;
