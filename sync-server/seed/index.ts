export * from './demo-dataset';
export * from './berlin';
