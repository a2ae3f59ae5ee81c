/** Commands, outcomes, roles and the region status document: the wire vocabulary desktop and server share. */
export * from './roles';
export * from './commands';
export * from './parse-command';
export * from './region-status';
export * from './audit';
export * from './board';
export * from './telemetry';
export * from './doc-names';
