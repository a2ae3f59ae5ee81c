/** The per-profile key that encrypts the replica, and where each host keeps it. */
export * from './profile-key';
export * from './key-file.store';
export * from './keyring-probe';
export * from './resolve-profile-key';
export * from './sqlite-file-format';
export * from './given-key.store';
