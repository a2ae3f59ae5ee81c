export * from './money-format';
