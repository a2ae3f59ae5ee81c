/** Payments backend: the change-payment-method command, its processor, and the gateway behind an ACL. */
export * from './change-method.handler';
export * from './payment-change.processor';
export * from './gateway-resilience';
export * from './sandbox-gateway';
export * from './release-on-cancel';
export * from './escalation.handler';
export * from './capture-on-completion';
