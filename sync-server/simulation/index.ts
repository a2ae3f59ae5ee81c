export * from './drone-simulator';
