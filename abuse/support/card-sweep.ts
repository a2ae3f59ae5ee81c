/**
 * Scans files byte by byte for card data: what an auditor would grep a disk for. Used after a
 * run with hostile input, over everything the server and a desk wrote (SQLite files with their
 * WAL and shared memory, logs). Reports file names and offsets only, never the digits.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { luhnValid } from '../../domain/shared';

export interface CardFinding {
  readonly file: string;
  readonly offset: number;
  readonly kind: 'card-number' | 'security-code';
}

// 15–19 digits, optionally split by single spaces or dashes, not part of a longer digit run
// and not the fraction of a decimal number (coordinates carry 15 digits after the point).
const PAN_LIKE = /(?<![0-9])(?<![0-9]\.)[0-9](?:[ -]?[0-9]){14,18}(?![0-9])/g;
// A CVV field or phrase: the label, up to a few separator bytes (JSON quotes, colon), 3-4 digits.
const CVV_LIKE = /(?:cvv2?|cvc2?|csc|security[ _-]?code)[^0-9A-Za-z]{0,4}[0-9]{3,4}(?![0-9])/gi;

/**
 * Card-like data in `bytes`. A PAN must pass the Luhn check and start like a card issued by a
 * major network (2-6): the seeded data is full of 13-digit epoch milliseconds, one in ten of
 * which passes Luhn, and no card number starts with 1.
 */
export function findCardLike(bytes: Buffer): { offset: number; kind: CardFinding['kind'] }[] {
  // latin1 maps each byte to one character, so offsets are byte offsets and binary is harmless.
  const text = bytes.toString('latin1');
  const found: { offset: number; kind: CardFinding['kind'] }[] = [];
  for (const m of text.matchAll(PAN_LIKE)) {
    const digits = m[0].replace(/[ -]/g, '');
    if (/^[2-6]/.test(digits) && luhnValid(digits)) {
      found.push({ offset: m.index, kind: 'card-number' });
    }
  }
  for (const m of text.matchAll(CVV_LIKE)) found.push({ offset: m.index, kind: 'security-code' });
  return found;
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Card-like data in every file under `dirs`. */
export function sweep(dirs: readonly string[]): CardFinding[] {
  return dirs
    .flatMap(filesUnder)
    .flatMap((file) => findCardLike(readFileSync(file)).map((f) => ({ file, ...f })));
}
