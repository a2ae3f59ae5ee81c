/** Fleet context: drones, their status, battery and last known fix. */
export * from './drone-model';
export * from './drone.aggregate';
