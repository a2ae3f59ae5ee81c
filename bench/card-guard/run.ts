/**
 * `npm run bench:card-guard`: what the server's card-data check costs per client update,
 * against plain `Y.applyUpdate` (the peer: the same work without the check) in the same run.
 * Three loads: desk notes (JSON objects in arrays), typing into a Y.Text one character per
 * update, and one-character edits inside a 108 KB text (the window scan walks the whole text).
 */
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { applyCheckedUpdate } from '../../sync-server/yjs/access/card-data.guard';

const ORIGIN = { peer: 'bench' };

function updatesOf(base: Uint8Array | null, n: number, edit: (d: Y.Doc, i: number) => void) {
  const writer = new Y.Doc();
  if (base !== null) Y.applyUpdate(writer, base);
  const out: Uint8Array[] = [];
  writer.on('update', (u: Uint8Array) => out.push(u));
  for (let i = 0; i < n; i += 1) edit(writer, i);
  return out;
}

/** Microseconds per update, applying `updates` to a doc holding `base`. */
function perUpdate(base: Uint8Array | null, updates: Uint8Array[], guarded: boolean): number {
  const doc = new Y.Doc();
  if (base !== null) Y.applyUpdate(doc, base);
  const started = performance.now();
  for (const u of updates) {
    if (guarded) applyCheckedUpdate(doc, u, ORIGIN);
    else Y.applyUpdate(doc, u, ORIGIN);
  }
  return ((performance.now() - started) * 1000) / updates.length;
}

const big = new Y.Doc();
big.getText('t').insert(0, 'lorem ipsum dolor sit amet '.repeat(4000));
const bigBase = Y.encodeStateAsUpdate(big);
const loads: { name: string; base: Uint8Array | null; updates: Uint8Array[] }[] = [
  {
    name: 'desk notes (JSON in Y.Array)',
    base: null,
    updates: updatesOf(null, 5000, (d, i) => {
      d.getArray(`notes/del-${String(i % 50)}`).push([
        {
          id: randomUUID(),
          author: 'agent-7',
          text: 'Call back at 17:30, flat 123',
          at: 1795341600000 + i,
        },
      ]);
    }),
  },
  {
    name: 'typing, 1 char per update',
    base: null,
    updates: updatesOf(null, 5000, (d, i) => {
      d.getText('t').insert(d.getText('t').length, 'abcdefghij klmnop '.charAt(i % 18));
    }),
  },
  {
    name: '1-char edits in a 108 KB text',
    base: bigBase,
    updates: updatesOf(bigBase, 1000, (d, i) => {
      d.getText('t').insert((i * 97) % 100_000, 'x');
    }),
  },
];

console.log('| load | Y.applyUpdate µs/update | with card-data check µs/update | ratio |');
console.log('| --- | --- | --- | --- |');
for (const load of loads) {
  perUpdate(load.base, load.updates, true); // warm-up
  const plain = perUpdate(load.base, load.updates, false);
  const guarded = perUpdate(load.base, load.updates, true);
  console.log(
    `| ${load.name} | ${plain.toFixed(1)} | ${guarded.toFixed(1)} | ${(guarded / plain).toFixed(2)}x |`,
  );
}
