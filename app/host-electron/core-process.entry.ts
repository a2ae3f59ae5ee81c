/**
 * Entry of Electron's utilityProcess (forked by main/core-supervisor): runs the
 * desktop core there, so SQL and sync never run on the main process.
 * Not runnable on the CI machines (no Electron binary); type-checked only.
 */
// Loads Electron's typings, which declare process.parentPort in a utility process.
import type {} from 'electron';
import { startDesk } from '../core';
import { runCoreProcess } from './core-process';

runCoreProcess(
  startDesk,
  process.parentPort,
  process.argv,
  process.env,
  (code) => process.exit(code),
  // The replica key comes from main, which alone can use safeStorage.
  { keyFromShell: true },
);
