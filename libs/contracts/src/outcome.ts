/**
 * The five things that can happen to an input record. One union, used at once as the audit column,
 * the metric label and the routing key; adding a member makes every `switch` over it a lint error
 * until handled.
 */
export const OUTCOMES = ['unique', 'duplicate', 'late', 'invalid', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function isOutcome(value: string): value is Outcome {
  return (OUTCOMES as readonly string[]).includes(value);
}
