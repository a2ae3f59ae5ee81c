export * from './server-config';
export * from './sync-server';
