export * from './telemetry-client';
