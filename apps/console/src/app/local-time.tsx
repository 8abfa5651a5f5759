/**
 * An instant in the operator's local wall-clock time; the server renders its own zone, hence the
 * hydration opt-out. `time` shows the clock only (for "last updated"), `datetime` the date too.
 */
export function LocalTime({ iso, show = 'time' }: { iso: string; show?: 'time' | 'datetime' }) {
  const at = new Date(iso);
  const text = Number.isNaN(at.getTime())
    ? iso
    : show === 'time'
      ? at.toLocaleTimeString(undefined, { hour12: false })
      : at.toLocaleString(undefined, { hour12: false, dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      {text}
    </time>
  );
}
