/** The audit trail: written with each command and gateway step, read by supervisors, pruned by age. */
export * from './audit-writer';
export * from './audit-route';
export * from './audit-pruner';
