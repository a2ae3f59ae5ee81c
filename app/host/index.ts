/** What a host process (Electron utility process or browser host) needs to start the core. */
export * from './host-config';
export * from './operator-core.port';
export * from './api-frames';
export * from './content-types';
