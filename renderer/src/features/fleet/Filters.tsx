import { useAppDispatch, useAppSelector } from '../../app/store';
import { STATUS_COLOR, STATUS_LABEL, STATUSES } from './fleet-model';
import { statusFilterToggled } from './fleet-slice';

/** Which drone statuses the map and the list show. */
export function Filters() {
  const shown = useAppSelector((s) => s.fleet.shownStatuses);
  const dispatch = useAppDispatch();
  return (
    <fieldset className="fleet-filters">
      <legend>Show drones by status</legend>
      {STATUSES.map((s) => (
        <label key={s}>
          <input
            type="checkbox"
            checked={shown[s]}
            onChange={() => dispatch(statusFilterToggled(s))}
          />
          <span className="swatch" style={{ background: STATUS_COLOR[s] }} aria-hidden="true" />
          {STATUS_LABEL[s]}
        </label>
      ))}
    </fieldset>
  );
}
