import { useEffect, useRef, useState, type SyntheticEvent } from 'react';
import type { DrillView as Drill } from '../../../../app/contract';
import { useOperator } from '../../shared/operator-context';

type Mode = Drill['faults']['mode'];

const MODES: readonly { mode: Mode; label: string }[] = [
  { mode: 'none', label: 'Normal: the card company answers' },
  { mode: 'down', label: 'Outage: every call fails' },
  { mode: 'flaky', label: 'Flaky: a share of calls fail' },
  { mode: 'refuse-voids', label: 'Refuses to release holds (voids refused)' },
];

/**
 * The sandbox gateway's fault injection as a drill: a team rehearses a card-company outage and
 * sees the desks react (status banner, queued changes, escalations). Server-checked: supervisors only.
 */
export function DrillView() {
  const client = useOperator();
  const [current, setCurrent] = useState<Drill | null>(null);
  const [mode, setMode] = useState<Mode>('none');
  const [failRate, setFailRate] = useState('50');
  const [latency, setLatency] = useState('0');
  const [error, setError] = useState<string | null>(null);
  // The server's current mode preselects the choice, unless the supervisor already chose.
  const chose = useRef(false);

  useEffect(() => {
    void client.call('drill.get', {}).then((r) => {
      if (r.ok) {
        setCurrent(r.value);
        if (!chose.current) setMode(r.value.faults.mode);
      } else setError(r.error.message);
    });
  }, [client]);

  async function apply(ev: SyntheticEvent): Promise<void> {
    ev.preventDefault();
    setError(null);
    const rate = Number(failRate) / 100;
    const extra = Number(latency);
    if (!(rate >= 0 && rate <= 1) || !(Number.isInteger(extra) && extra >= 0 && extra <= 60_000)) {
      setError('Failure share must be 0–100 % and extra latency 0–60000 ms.');
      return;
    }
    const r = await client.call('drill.set', { mode, failRate: rate, extraLatencyMs: extra });
    if (r.ok) setCurrent(r.value);
    else setError(r.error.message);
  }

  return (
    <main className="panel supervisor drill" aria-labelledby="drill-title">
      <h1 id="drill-title">Gateway drill</h1>
      <p>
        Rehearse a card-company outage on the sandbox gateway. Every desk sees the effect; set it
        back to normal when the drill ends.
      </p>
      <p role="status">
        {current
          ? `Now: ${MODES.find((m) => m.mode === current.faults.mode)?.label ?? current.faults.mode}; circuit breaker ${current.breaker}.`
          : 'Reading the current setting…'}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <form onSubmit={(ev) => void apply(ev)}>
        <fieldset>
          <legend>Card company behaviour</legend>
          {MODES.map((m) => (
            <label key={m.mode} className="radio">
              <input
                type="radio"
                name="mode"
                value={m.mode}
                checked={mode === m.mode}
                onChange={() => {
                  chose.current = true;
                  setMode(m.mode);
                }}
              />{' '}
              {m.label}
            </label>
          ))}
        </fieldset>
        <NumberField
          label="Failure share when flaky (%)"
          max={100}
          value={failRate}
          set={setFailRate}
        />
        <NumberField label="Extra latency (ms)" max={60000} value={latency} set={setLatency} />
        <button type="submit">Apply</button>
      </form>
    </main>
  );
}

function NumberField(props: {
  label: string;
  max: number;
  value: string;
  set: (v: string) => void;
}) {
  return (
    <label>
      {props.label}
      <input
        type="number"
        min={0}
        max={props.max}
        value={props.value}
        onChange={(ev) => props.set(ev.target.value)}
      />
    </label>
  );
}
