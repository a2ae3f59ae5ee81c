export * from './replica-search';
export * from './search-query';
