/**
 * Preload of the sandboxed window. Exposes exactly one thing, `window.fleetdesk`
 * (`call` and `on` of the operator API) — no ipcRenderer, no Node, no generic
 * send. The API traffic runs over a MessagePort straight to the core's utility
 * process; main only hands the port over after checking who asked.
 *
 * Must be bundled to one CommonJS file: sandboxed preloads cannot load ESM or
 * npm modules, only a subset of `electron`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC } from '../app/host-electron';
import { createOperatorBridge, type BridgePort, type OperatorBridge } from './preload-bridge';

const bridge = createOperatorBridge();

ipcRenderer.on(IPC.port, (event: IpcRendererEvent) => {
  // electron.d.ts types these as DOM MessagePorts, which main (compiled without
  // DOM types) cannot name; BridgePort describes the part of that DOM type we use.
  const ports: unknown = event.ports;
  const port = (ports as readonly (BridgePort | undefined)[])[0];
  if (port) bridge.attach(port);
});
ipcRenderer.on(IPC.reconnect, () => {
  ipcRenderer.send(IPC.connect);
});
ipcRenderer.send(IPC.connect);

const fleetdesk = {
  call: bridge.api.call,
  on: bridge.api.on,
} satisfies OperatorBridge;

contextBridge.exposeInMainWorld('fleetdesk', fleetdesk);
