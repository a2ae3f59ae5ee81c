/**
 * `npm start`: the whole product on its embedded defaults.
 *  1. the sync server (127.0.0.1:4100, ./data; seeds the Berlin demo on first start),
 *  2. the desktop: the Electron shell when its binary is available, otherwise the
 *     browser host (the desktop core serving the UI to a browser on this machine),
 *  3. demo access tokens to sign in with.
 * Flags for the desktop (`--desk-port`, `--profile`) go to the desktop; every other flag goes
 * to the sync server. Press `s` (or send SIGUSR2) to stop only the sync server and again to
 * start it — the desk keeps working offline meanwhile ("try an outage" in the README).
 * Ctrl-C stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];

/** The sync server is being stopped on purpose (the outage toggle): its exit ends nothing else. */
let serverStopping = false;

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
    if (name === 'sync-server' && serverStopping) {
      serverStopped();
      return;
    }
    stopAll();
  });
  return child;
}

function stopAll(): void {
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  process.stdin.pause();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
}
process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);

/** Takes `--name value` out of `args` (the desktop's flags), returning its value. */
function takeFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
}

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
const deskPort = takeFlag(serverArgs, 'desk-port');
const profile = takeFlag(serverArgs, 'profile');
const deskArgs = [
  ...(deskPort === undefined ? [] : ['--port', deskPort]),
  ...(profile === undefined ? [] : ['--profile', profile]),
];
let server: ChildProcess | null = null;
let serverUrl: string | null = null;

function startServer(args: readonly string[], onListening: (url: string) => void): void {
  server = run('sync-server', [join(REPO, 'sync-server/cli/main.ts'), 'serve', ...args], (line) => {
    const m = /fleetdesk-sync-server listening (\S+)/.exec(line);
    if (m?.[1]) onListening(m[1]);
  });
}

/** Pressed again while the server still drains: start it once it has exited. */
let restartWhenStopped = false;

/** Stops only the sync server, or starts it again on the same port and data: an outage on demand. */
function toggleServer(): void {
  if (serverUrl === null) return;
  if (serverStopping) {
    if (server?.exitCode === null && server.signalCode === null) {
      restartWhenStopped = true;
      console.log(
        '[start] the sync server is still draining; it starts again once it has stopped.',
      );
    } else restartServer();
    return;
  }
  serverStopping = true;
  server?.kill('SIGTERM');
  console.log(
    '[start] sync server stopping — the desk keeps working offline (commands queue). Press s again to start it.',
  );
}

function serverStopped(): void {
  console.log('[start] sync server stopped.');
  if (restartWhenStopped) restartServer();
}

function restartServer(): void {
  if (serverUrl === null) return;
  serverStopping = false;
  restartWhenStopped = false;
  const port = new URL(serverUrl).port;
  const args = [...serverArgs];
  takeFlag(args, 'port');
  startServer([...args, '--port', port], () => {
    console.log('[start] sync server back — the desk reconnects and sends what it queued.');
  });
}

function listenForOutageToggle(): void {
  process.on('SIGUSR2', toggleServer);
  const how = `press s here${process.stdin.isTTY ? '' : ' (needs a terminal)'} or run \`kill -USR2 ${String(process.pid)}\``;
  console.log(`[start] try an outage: ${how} to stop only the sync server; again to start it.`);
  if (!process.stdin.isTTY) return;
  process.stdin.setRawMode(true);
  process.stdin.resume();
  process.stdin.on('data', (d: Buffer) => {
    const key = d.toString();
    if (key === 's' || key === 'S') toggleServer();
    if (key === '\u0003') stopAll(); // Ctrl-C arrives as a key in raw mode
  });
}

startServer(serverArgs, (url) => {
  serverUrl = url;
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
  run('desktop', [join(REPO, 'app/host-browser/cli.ts'), '--server', url, ...deskArgs]);
  if (deskArgs.length === 0)
    console.log(
      '[start] the desk uses its defaults (port 4180, your per-user profile): pass --desk-port and --profile to change them.',
    );
  listenForOutageToggle();
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
