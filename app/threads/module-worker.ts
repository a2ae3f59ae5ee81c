import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The worker-thread module `name` next to the module at `from` (its `import.meta.url`):
 * `name.ts` when running from source, `name.js` from a compiled build, where every module
 * has been compiled beside its caller.
 */
export const siblingModule = (from: string, name: string): URL =>
  new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);

/**
 * tsx's ESM API, resolved from this file (an eval'd worker would resolve from the process's
 * cwd). Its "import" export: `require.resolve` would give the CommonJS build, which cannot
 * register the loader in a worker.
 */
function tsxApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(path.join(path.dirname(manifest), pkg.exports['./esm/api'].import.default))
    .href;
}

/**
 * Starts a worker thread running a TypeScript module. Compiled (`.js`), the module is the
 * thread's entry as is. From source (tests, `npm start` under tsx) the thread registers tsx
 * before importing it: a worker does not inherit its parent's loader hooks, and on Node 20
 * `--import tsx` in a worker's execArgv is not honoured.
 */
export function startModuleWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const bootstrap = `import(${JSON.stringify(tsxApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
