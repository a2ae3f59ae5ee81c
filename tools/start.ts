/**
 * `npm start`: the whole product on its embedded defaults.
 *  1. the sync server (127.0.0.1:4100, ./data; seeds the Berlin demo on first start),
 *  2. the desktop: the Electron shell when its binary is available, otherwise the
 *     browser host (the desktop core serving the UI to a browser on this machine),
 *  3. demo access tokens to sign in with.
 * Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];

function run(
  name: string,
  args: string[],
  onLine: (line: string) => void = () => undefined,
  echo = true,
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (echo && !line.startsWith('{')) console.log(`[${name}] ${line}`); // pino JSON stays quiet here
      onLine(line);
    }
  });
  child.once('exit', (code) => {
    console.log(`[${name}] exited (${String(code)})`);
    stopAll();
  });
  return child;
}

function stopAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);

/** The Electron binary, if its package ever managed to download it (never on the CI machines). */
function electronBinary(): string | null {
  const dir = join(REPO, 'node_modules', 'electron');
  // Not require('electron'): that starts a download attempt. path.txt names the binary inside dist/.
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const serverArgs = process.argv.slice(2);
run('sync-server', [join(REPO, 'sync-server/cli/main.ts'), 'serve', ...serverArgs], (line) => {
  const m = /fleetdesk-sync-server listening (\S+)/.exec(line);
  if (!m?.[1]) return;
  const serverUrl = m[1];
  const electron = electronBinary();
  if (electron) {
    console.log(
      `[start] Electron found at ${electron}; the Electron shell is not wired to npm start yet — using the browser host.`,
    );
  } else {
    console.log(
      '[start] The Electron binary is not available on this machine (it cannot be downloaded here).',
    );
    console.log(
      '[start] Starting the browser host instead: the same desktop core and UI, in your browser.',
    );
  }
  if (!existsSync(join(REPO, 'renderer/dist/index.html'))) {
    console.log(
      '[start] The UI is not built yet: run `npm run build:renderer` (the host serves a placeholder until then).',
    );
  }
  run('desktop', [join(REPO, 'app/host-browser/cli.ts'), '--server', serverUrl]);
  const data = serverArgs.includes('--data')
    ? (serverArgs[serverArgs.indexOf('--data') + 1] ?? './data')
    : (process.env['FLEETDESK_DATA'] ?? './data');
  for (const [user, role] of [
    ['agent-1', 'agent'],
    ['fleet-1', 'fleet-manager'],
    ['supervisor-1', 'supervisor'],
  ] as const) {
    run(
      `token ${role}`,
      [
        join(REPO, 'sync-server/cli/main.ts'),
        'token',
        '--data',
        data,
        '--user',
        user,
        '--role',
        role,
      ],
      (t) => {
        if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(t))
          console.log(`[start] sign in as ${role} (${user}) with: ${t}`);
      },
      false,
    ).removeAllListeners('exit');
  }
});
