export * from './sync-status-tracker';
