/** The operator-API contract: the only thing the renderer may import from app/ (type-only). */
export * from './operator-api';
export * from './fleet-manager-api';
