/** Shared kernel: value objects and ports every bounded context speaks. */
export * from './result';
export * from './ids';
export * from './clock.port';
export * from './money';
export * from './location';
export * from './eta';
export * from './card-number-guard';
export * from './payment-method-ref';
export * from './domain-event';
export * from './version';
