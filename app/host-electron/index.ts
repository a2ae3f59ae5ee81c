/**
 * The Electron host's protocol between the shell (main process, preload) and
 * the core's utility process. Pure: safe to bundle into the sandboxed preload.
 * The utility-process entry itself is core-process.entry.ts (not exported).
 */
export * from './core-protocol';
