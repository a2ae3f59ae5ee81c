export * from './database';
export * from './migrations';
export * from './checkpoint-worker';
export * from './postgres';
export * from './redis';
