export * from './command-handler';
export * from './command-record';
export * from './command-service';
export * from './command-batch';
