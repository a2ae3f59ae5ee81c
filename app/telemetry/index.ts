export * from './telemetry-client';
export * from './drone-trail';
