import { configureStore } from '@reduxjs/toolkit';
import { useDispatch, useSelector } from 'react-redux';
import { fleetSlice } from '../features/fleet/fleet-slice';
import { outboxSlice } from '../shared/outbox-slice';
import { regionStatusSlice } from '../features/region-status/region-status-slice';
import { sessionSlice } from '../features/session/session-slice';
import { syncSlice } from '../features/sync/sync-slice';

/** One store; only serializable data in it (no Y.Doc, no map, no class instances). */
export function createAppStore() {
  return configureStore({
    reducer: {
      session: sessionSlice.reducer,
      sync: syncSlice.reducer,
      outbox: outboxSlice.reducer,
      fleet: fleetSlice.reducer,
      regionStatus: regionStatusSlice.reducer,
    },
  });
}

export type AppStore = ReturnType<typeof createAppStore>;
export type RootState = ReturnType<AppStore['getState']>;
export type AppDispatch = AppStore['dispatch'];

export const useAppDispatch = useDispatch.withTypes<AppDispatch>();
export const useAppSelector = useSelector.withTypes<RootState>();
