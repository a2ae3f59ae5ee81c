/** Worker threads written as TypeScript modules: started from source (tsx) or compiled. */
export { siblingModule, startModuleWorker } from './module-worker';
