export * from './feed-service';
