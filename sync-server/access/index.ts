/** Revocation of users and desks, short-lived desk access tokens, and what revoked desks reported lost. */
export * from './revocation-store';
export * from './access-routes';
