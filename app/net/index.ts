export * from './backoff';
export * from './server-client';
export * from './wakeable-sleep';
export * from './server-list';
