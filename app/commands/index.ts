export * from './effective-view';
export * from './command-builder';
