/** Revocation of users and desks, short-lived desk access tokens, and what revoked desks reported lost. */
export * from './access-store';
export * from './refusal';
export * from './revocation-store';
export * from './access-routes';
