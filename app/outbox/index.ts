export * from './outbox-store';
export * from './outbox-sender';
export * from './outbox-view';
