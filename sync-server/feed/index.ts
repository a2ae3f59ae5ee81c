export * from './feed-service';
export * from './feed-pruner';
