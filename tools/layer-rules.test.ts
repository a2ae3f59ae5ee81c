/**
 * Proves the layer rules bite: each case builds a tiny tree in a temp folder
 * with the repository's real dependency-cruiser config and one forbidden import,
 * and expects exactly that rule to fail. A second set proves the domain's
 * TypeScript project has no Node types (so `node:fs` does not even compile).
 *
 * The sandbox has the real tree's layout, `node_modules/` included: a real folder at
 * its root holding copies of the packages the cases import, never a symlink. A symlink
 * resolves to a path outside `node_modules/`, which once hid that the config dropped
 * every edge into npm packages (the rules passed here while the real tree let
 * `domain/` import better-sqlite3).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
const depcruise = join(repo, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
let sandbox: string;

const LEGAL_TREE: Record<string, string> = {
  'domain/shared/index.ts': 'export const kernel = 1;\n',
  'domain/shared/money.ts': 'export const money = 1;\n',
  'domain/shipping/index.ts': "import { kernel } from '../shared';\nexport const s = kernel;\n",
  'app/contract/index.ts': 'export interface Api { ping(): void }\n',
  'app/host/index.ts':
    "import { kernel } from '../../domain/shared';\nexport const host = kernel;\n",
  'app/replica/db.ts':
    "import Database from 'better-sqlite3';\nexport const db = 1;\nexport const D = Database;\n",
  'renderer/ui/view.ts':
    "import type { Api } from '../../app/contract';\nimport { kernel } from '../../domain/shared';\nexport const v: Api | number = kernel;\n",
  'renderer/src/shared/fmt.ts': 'export const fmt = 1;\n',
  'renderer/src/features/agent/view.ts':
    "import { fmt } from '../../shared/fmt';\nexport const a = fmt;\n",
  'renderer/src/features/fleet/map.ts':
    "import { fmt } from '../../shared/fmt';\nimport { a } from './near';\nexport const m = fmt + a;\n",
  'renderer/src/features/fleet/near.ts': 'export const a = 2;\n',
  'main/shell/window.ts': "import { host } from '../../app/host';\nexport const w = host;\n",
  'sync-server/http/server.ts':
    "import { kernel } from '../../domain/shared';\nexport const k = kernel;\n",
};

/** npm packages the cases import: a production dependency and a devDependency. */
const SANDBOX_PACKAGES = ['better-sqlite3', 'fast-check'];
/** Bulky folders the resolver never reads (sources, native build output, docs). */
const SKIPPED_PACKAGE_FOLDERS = /\/(deps|src|build|docs)$/;

function copyPackages(dir: string): void {
  for (const name of SANDBOX_PACKAGES) {
    cpSync(join(repo, 'node_modules', name), join(dir, 'node_modules', name), {
      recursive: true,
      dereference: true,
      filter: (source) => !SKIPPED_PACKAGE_FOLDERS.test(source),
    });
  }
}

interface CruiseReport {
  summary: { violations: { rule: { name: string } }[] };
  modules: { source: string; dependencies: { module: string; resolved: string }[] }[];
}

function cruiseReport(extra: Record<string, string>): CruiseReport {
  const dir = mkdtempSync(join(sandbox, 'case-'));
  copyPackages(dir);
  cpSync(join(repo, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  cpSync(join(repo, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  cpSync(join(repo, 'package.json'), join(dir, 'package.json'));
  for (const [file, text] of Object.entries({ ...LEGAL_TREE, ...extra })) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const run = spawnSync(
    process.execPath,
    [
      depcruise,
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'json',
      'domain',
      'app',
      'main',
      'renderer',
      'sync-server',
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  return JSON.parse(run.stdout) as CruiseReport;
}

function cruise(extra: Record<string, string>): string[] {
  const report = cruiseReport(extra);
  return [...new Set(report.summary.violations.map((v) => v.rule.name))].sort();
}

beforeAll(() => {
  sandbox = mkdtempSync(join(tmpdir(), 'fleetdesk-layers-'));
});
afterAll(() => {
  rmSync(sandbox, { recursive: true, force: true });
});

describe('layer rules (dependency-cruiser)', { timeout: 60_000 }, () => {
  it('accept the legal tree', () => {
    expect(cruise({})).toEqual([]);
  });

  it('see npm packages where the real tree has them (node_modules/ at the root)', () => {
    const report = cruiseReport({});
    const db = report.modules.find((m) => m.source === 'app/replica/db.ts');
    const edge = db?.dependencies.find((d) => d.module === 'better-sqlite3');
    expect(edge?.resolved).toMatch(/^node_modules\/better-sqlite3\//);
  });

  it.each([
    [
      'domain importing node:fs',
      {
        'domain/shared/io.ts':
          "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      },
      ['domain-is-pure'],
    ],
    [
      'domain importing better-sqlite3',
      {
        'domain/shared/db.ts':
          "import Database from 'better-sqlite3';\nexport const D = Database;\n",
      },
      ['domain-is-pure'],
    ],
    [
      'production code importing a devDependency',
      {
        'app/replica/gen.ts': "import fc from 'fast-check';\nexport const g = fc;\n",
      },
      ['no-dev-deps-in-production-code'],
    ],
    [
      'domain importing app',
      { 'domain/shared/up.ts': "import { host } from '../../app/host';\nexport const h = host;\n" },
      ['domain-is-pure'],
    ],
    [
      'renderer importing app internals',
      {
        'renderer/ui/bad.ts': "import { db } from '../../app/replica/db';\nexport const d = db;\n",
      },
      [
        'no-deep-import-across-contexts',
        'renderer-contract-type-only',
        'renderer-only-domain-and-contract',
      ],
    ],
    [
      'renderer importing the contract as a value',
      {
        'renderer/ui/val.ts': "import * as api from '../../app/contract';\nexport const a = api;\n",
      },
      ['renderer-contract-type-only'],
    ],
    [
      'renderer importing Node',
      {
        'renderer/ui/node.ts':
          "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      },
      ['renderer-no-node'],
    ],
    [
      'a renderer feature importing another feature',
      {
        'renderer/src/features/agent/map.ts':
          "import { m } from '../fleet/map';\nexport const x = m;\n",
      },
      ['renderer-features-apart'],
    ],
    [
      'renderer shared code importing a feature',
      {
        'renderer/src/shared/up.ts':
          "import { a } from '../features/agent/view';\nexport const x = a;\n",
      },
      ['renderer-shared-below-features'],
    ],
    [
      'main importing renderer',
      { 'main/shell/ui.ts': "import { v } from '../../renderer/ui/view';\nexport const x = v;\n" },
      ['main-only-app-host-and-contract', 'no-deep-import-across-contexts'],
    ],
    [
      'sync-server importing app',
      {
        'sync-server/http/bad.ts':
          "import { host } from '../../app/host';\nexport const h = host;\n",
      },
      ['sync-server-only-domain'],
    ],
    [
      'a deep import into another context',
      {
        'domain/shipping/deep.ts':
          "import { money } from '../shared/money';\nexport const m = money;\n",
      },
      ['no-deep-import-across-contexts'],
    ],
  ])('refuse %s', (_name, files, rules) => {
    expect(cruise(files)).toEqual(rules);
  });
});

describe('domain type-check has no Node or DOM', { timeout: 60_000 }, () => {
  it.each([
    ["import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
    ['export const w = window.location.href;\n'],
    ['export const p = process.env;\n'],
  ])('refuses %j', (source) => {
    const dir = mkdtempSync(join(sandbox, 'tsc-'));
    writeFileSync(join(dir, 'probe.ts'), source);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(repo, 'domain', 'tsconfig.json'),
        compilerOptions: {
          composite: false,
          noEmit: true,
          emitDeclarationOnly: false,
          rootDir: dir,
        },
        include: [join(dir, 'probe.ts')],
        exclude: [],
      }),
    );
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    // TS2307: cannot find module; TS2304/TS2580: cannot find name (no Node/DOM globals).
    expect(run.stdout).toMatch(/error TS(2307|2304|2580|2591)/);
  });
});
