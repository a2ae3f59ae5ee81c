import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

export type { Role } from '../../../../domain/protocol';
import type { Role } from '../../../../domain/protocol';

export interface SessionState {
  readonly status: 'unknown' | 'signed-out' | 'signed-in';
  readonly userId: string | null;
  readonly role: Role | null;
  readonly expiresAt: number | null;
  readonly error: string | null;
}

const initialState: SessionState = {
  status: 'unknown',
  userId: null,
  role: null,
  expiresAt: null,
  error: null,
};

export const sessionSlice = createSlice({
  name: 'session',
  initialState,
  reducers: {
    sessionLoaded: (
      _s,
      a: PayloadAction<{ userId: string; role: Role; expiresAt: number } | null>,
    ): SessionState =>
      a.payload
        ? { status: 'signed-in', ...a.payload, error: null }
        : { ...initialState, status: 'signed-out' },
    signInFailed: (s, a: PayloadAction<string>): SessionState => ({
      ...s,
      status: 'signed-out',
      error: a.payload,
    }),
    signedOut: (): SessionState => ({ ...initialState, status: 'signed-out' }),
  },
});

export const { sessionLoaded, signInFailed, signedOut } = sessionSlice.actions;
