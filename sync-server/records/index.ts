export * from './record-store.port';
export * from './audit-trail.port';
export * from './sqlite-record-store';
export * from './memory-record-store';
export * from './change-notifier.port';
export * from './notifying-record-store';
export * from './postgres-record-store';
export * from './redis-change-notifier';
