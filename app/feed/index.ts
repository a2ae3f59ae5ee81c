export * from './feed-consumer';
