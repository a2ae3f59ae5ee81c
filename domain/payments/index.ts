/** Payments context: one Payment per delivery order, and the change-payment-method process. */
export * from './payment-gateway.port';
export * from './change-method.workflow';
export * from './payment.aggregate';
export * from './release.workflow';
export * from './payment-identity';
export * from './escalation';
