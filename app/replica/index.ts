/** The operator profile's SQLite replica: one writer, branded handles, numbered migrations. */
export * from './replica-db';
export * from './replica-migrations';
export * from './record-repository';
export * from './audit-search';
export * from './search-index';
export * from './time-sliced-writes';
export * from './replica-worker';
export * from './search-builder';
export * from './replica-cipher';
export { removeSqliteFiles } from './replica-encryption';
