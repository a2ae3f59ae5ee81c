/**
 * Electron main process: lifecycle, one window, the core's utility process.
 * Thin on purpose — no SQL, no network, no operator logic here.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  MessageChannelMain,
  protocol,
  safeStorage,
  session,
  type IpcMainEvent,
} from 'electron';
import { resolveHostConfig } from '../app/host';
import { profileReplicaPath, resolveProfileKey, sqliteFileFormat } from '../app/keystore';
import { APP_ORIGIN, APP_SCHEME } from './app-protocol';
import {
  createAppWindow,
  hardenSession,
  hardenWebContents,
  registerAppProtocol,
} from './app-window';
import { IPC } from '../app/host-electron';
import { startCoreSupervisor, type CoreSupervisor } from './core-supervisor';
import { SafeStorageKeyStore } from './safe-storage-key.store';
import { isTrustedIpcSender } from './security/navigation-policy';

/** Bundle layout (see main/README.md): this file, the preload and the core entry side by side. */
const here = dirname(fileURLToPath(import.meta.url));
const PRELOAD = join(here, 'preload.cjs');
const CORE_ENTRY = join(here, 'core-process.entry.js');

// Must run before `ready`: a standard, secure scheme gets its own origin, so
// the CSP's 'self' means the bundle and nothing else on disk.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// One instance per user: two would open the same replica as two writers.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let window: BrowserWindow | null = null;
  let core: CoreSupervisor | null = null;
  let quitting = false;

  app.on('second-instance', () => {
    if (window === null) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents);
  });

  // The only IPC main accepts: a window asking for its port to the core.
  ipcMain.on(IPC.connect, (event: IpcMainEvent) => {
    const frame = event.senderFrame;
    if (!frame || !isTrustedIpcSender(frame.url, frame.parent === null, APP_ORIGIN)) {
      console.warn(`refused ${IPC.connect} from ${frame?.url ?? 'a destroyed frame'}`);
      return;
    }
    if (core === null) return;
    const { port1, port2 } = new MessageChannelMain();
    core.connect(port1);
    event.sender.postMessage(IPC.port, null, [port2]);
  });

  // Quitting on every platform (also macOS): the core syncs in the background
  // only while an operator can see what it does.
  app.on('window-all-closed', () => {
    app.quit();
  });

  app.on('before-quit', (event) => {
    if (quitting || core === null) return;
    // Let the core close its replica and stop its loops before the process goes.
    event.preventDefault();
    quitting = true;
    void core.shutdown().finally(() => {
      app.quit();
    });
  });

  void app.whenReady().then(async () => {
    const config = resolveHostConfig(process.argv, process.env);
    hardenSession(session.defaultSession);
    registerAppProtocol(APP_SCHEME, join(app.getAppPath(), 'renderer', 'dist'));
    // The replica key: only main can use safeStorage, so it is resolved here and handed to the core.
    const keyStore = new SafeStorageKeyStore(safeStorage, config.profileDir);
    const protection = keyStore.protection();
    console.log(`Fleetdesk data protection: ${protection.description}`);
    let key;
    try {
      key = await resolveProfileKey(
        keyStore,
        sqliteFileFormat(profileReplicaPath(config.profileDir)),
      );
    } catch (error) {
      dialog.showErrorBox(
        "Fleetdesk cannot open this computer's data",
        error instanceof Error ? error.message : String(error),
      );
      app.quit();
      return;
    }
    core = startCoreSupervisor({
      key: {
        type: 'key',
        key: key.hex(),
        level: protection.level,
        protection: protection.description,
      },
      entry: CORE_ENTRY,
      args: ['--server', config.syncServerUrl, '--profile', config.profileDir],
      onRestarted: () => {
        for (const win of BrowserWindow.getAllWindows()) win.webContents.send(IPC.reconnect);
      },
      onGaveUp: (reason) => {
        dialog.showErrorBox('Fleetdesk cannot start its local data service', reason);
        app.quit();
      },
    });
    window = await createAppWindow(PRELOAD);
    window.on('closed', () => {
      window = null;
    });
  });
}
