import { SEVERITY_COLOR, SEVERITY_LABEL } from './fleet-model';

/** What the dots and cluster colours mean. */
export function Legend() {
  return (
    <details className="fleet-legend">
      <summary>Legend</summary>
      <p>Faded dots: late telemetry; very faint: telemetry lost.</p>
      <p>Clusters are coloured by the worst drone inside and sized by count:</p>
      <ul>
        {SEVERITY_LABEL.map((label, i) => (
          <li key={label}>
            <span className="swatch" style={{ background: SEVERITY_COLOR[i] }} aria-hidden="true" />
            {label}
          </li>
        ))}
      </ul>
    </details>
  );
}
