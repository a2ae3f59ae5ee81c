import { createEntityAdapter, createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { OutboxEntryView } from '../../../../app/contract';

const adapter = createEntityAdapter<OutboxEntryView, string>({
  selectId: (e) => e.idempotencyKey,
  sortComparer: (a, b) => a.createdAt - b.createdAt,
});

export const outboxSlice = createSlice({
  name: 'outbox',
  initialState: adapter.getInitialState(),
  reducers: {
    outboxListed: (s, a: PayloadAction<readonly OutboxEntryView[]>) => adapter.setAll(s, a.payload),
    outboxEntryChanged: (s, a: PayloadAction<OutboxEntryView>) => adapter.upsertOne(s, a.payload),
  },
});

export const { outboxListed, outboxEntryChanged } = outboxSlice.actions;
export const outboxSelectors = adapter.getSelectors();
