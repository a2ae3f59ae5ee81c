/** The desktop core: one operator profile's replica, sync loops and operator API. */
export * from './start-core';
export type { CollabFacade } from './operator-handlers';
export * from './profile-lock';
export * from './desk-core';
