export * from './http-utils';
export * from './http-error';
export { ClientAbortError } from './request-body';
export { refuseUpgrade } from './upgrade-refusal';
