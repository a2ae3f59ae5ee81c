import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
};

export const fmt = (n: number, digits = 1): string =>
  Number.isFinite(n) ? n.toFixed(digits) : 'n/a';

/** Writes a Markdown result file (and its JSON twin) under bench/results/. */
export function writeResult(name: string, markdown: string, data: unknown): void {
  const file = join(import.meta.dirname, '..', 'results', `${name}.md`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  writeFileSync(file.replace(/\.md$/, '.json'), JSON.stringify(data, null, 2));
  console.log(markdown);
}

export function machineLine(): string {
  return `Measured ${new Date().toISOString()} on this machine (Node ${process.version}, ${process.platform}/${process.arch}).`;
}
