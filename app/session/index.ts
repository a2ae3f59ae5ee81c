export * from './session-store';
export * from './access-tokens';
