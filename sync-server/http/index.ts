export * from './http-utils';
