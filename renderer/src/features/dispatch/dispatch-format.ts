import type { CandidateReason, MarkView, PriorityView } from '../../../../app/contract';
import { dateTime, timeOnly } from '../../shared/format';

export const PRIORITY_LABEL: Record<PriorityView, string> = {
  normal: 'Normal',
  high: 'High',
  urgent: 'Urgent',
};

export const REASON_LABEL: Record<CandidateReason, string> = {
  NO_DRONE_CAN_LIFT: 'cannot lift the parcel',
  NO_DRONE_WITH_BATTERY: 'too little battery for the route and reserve',
  NO_DRONE_FREE: 'busy or not available',
};

/** "fm-1 since 14:02" */
export const markText = (m: MarkView, verb = 'since'): string =>
  `${m.userId} ${verb} ${timeOnly(m.at)}`;

export const windowText = (w: { start: number; end: number }): string =>
  `${dateTime(w.start)} – ${timeOnly(w.end)}`;

export const km = (meters: number): string => `${(meters / 1000).toFixed(1)} km`;
export const kg = (grams: number): string => `${(grams / 1000).toFixed(1)} kg`;
