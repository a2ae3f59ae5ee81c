/** The audit trail: written with each command and gateway step, read by supervisors. */
export * from './audit-writer';
export * from './audit-route';
