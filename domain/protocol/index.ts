/** Commands, outcomes and roles: the wire vocabulary desktop and server share. */
export * from './roles';
export * from './commands';
export * from './parse-command';
