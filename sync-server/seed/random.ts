/** Small seeded PRNG (mulberry32) so the demo dataset is the same on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rnd: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(rnd() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
};

export const between = (rnd: () => number, min: number, max: number): number =>
  min + rnd() * (max - min);
export const intBetween = (rnd: () => number, min: number, max: number): number =>
  Math.floor(between(rnd, min, max + 1));
