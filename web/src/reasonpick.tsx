// S9.2: the optional reason of an away or dnd status, picked from the tenant's reason codes by
// label. Nothing is offered while the tenant has none.
import type { JSX } from 'preact';
import { REASON_STATUSES } from '../../src/core/reasons.js';
import { useReasons } from './reasons.js';

export { REASON_STATUSES };

export function ReasonPick({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (code: string) => void;
}): JSX.Element | null {
  const reasons = useReasons();
  if (reasons === undefined || reasons.length === 0) return null;
  return (
    <label for={id}>
      Reason (optional)
      <select id={id} name="reason" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">No reason</option>
        {reasons.map((r) => (
          <option key={r.code} value={r.code}>
            {r.label}
            {r.maxSec !== undefined ? ` (ends after ${Math.round(r.maxSec / 60)} min)` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
