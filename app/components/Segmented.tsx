/**
 * A choice of one among a few, drawn as joined buttons: the lanes' vCPUs / vPEs / both, the paths'
 * direct / software / both. Each button is a radio input inside its label, so the keyboard (arrow
 * keys) and screen readers treat the row as the radio group it is; the input is unseen, its label
 * shows the choice (class "on") and the focus.
 *
 * Test hooks: data-testid `${testid}-${id}` on each input.
 */

export interface SegmentedOption<T extends string> {
  id: T;
  label: string;
  /** What the choice shows, as a tooltip. */
  title: string;
}

export function Segmented<T extends string>({
  legend,
  name,
  options,
  value,
  onChange,
  testid,
  className,
}: {
  legend: string;
  /** The radio group's name (one per page). */
  name: string;
  options: readonly SegmentedOption<T>[];
  value: T;
  onChange: (value: T) => void;
  testid: string;
  className?: string;
}) {
  return (
    <fieldset className={className ? `segmented ${className}` : 'segmented'}>
      <legend>{legend}</legend>
      {options.map((x) => (
        <label key={x.id} title={x.title} className={value === x.id ? 'on' : undefined}>
          <input
            type="radio"
            name={name}
            value={x.id}
            checked={value === x.id}
            onChange={() => onChange(x.id)}
            data-testid={`${testid}-${x.id}`}
          />
          {x.label}
        </label>
      ))}
    </fieldset>
  );
}
