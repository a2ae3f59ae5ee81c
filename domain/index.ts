/**
 * Fleetdesk domain: pure TypeScript shared by the desktop core and the sync
 * server. No I/O, no time, no randomness except through the ports in shared/.
 */
export * as shared from './shared';
export * as shipping from './shipping';
export * as fleet from './fleet';
export * as payments from './payments';
export * as accounts from './accounts';
export * as contactCenter from './contact-center';
export * as protocol from './protocol';
