import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A sandboxed preload can `require` only (a subset of) `electron`: one stray
 * runtime import (zod from the contract, a Node module) and the window starts
 * without `window.fleetdesk`. Bundle it the way packaging would (esbuild, which
 * tsx already brings) and check what is left to require at run time.
 */
describe('preload bundle', () => {
  it('requires nothing but electron', () => {
    const repo = resolve(import.meta.dirname, '..');
    const out = mkdtempSync(join(tmpdir(), 'fleetdesk-preload-'));
    try {
      const esbuild = join(repo, 'node_modules', '.bin', 'esbuild');
      const outfile = join(out, 'preload.cjs');
      const result = spawnSync(
        esbuild,
        [
          'main/preload.ts',
          '--bundle',
          '--platform=node',
          '--format=cjs',
          '--packages=external',
          `--outfile=${outfile}`,
        ],
        { cwd: repo, encoding: 'utf8' },
      );
      expect(result.status, result.stderr).toBe(0);
      const code = readFileSync(outfile, 'utf8');
      const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
      expect(new Set(required)).toEqual(new Set(['electron']));
      expect(code).toContain('exposeInMainWorld("fleetdesk"');
      expect(code.length).toBeLessThan(20_000);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
