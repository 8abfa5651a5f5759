import { DLQ_STATUSES } from '@dedup/contracts';
import Link from 'next/link';
import { datetimeInputStep } from '../../../lib/activity-query';
import { DLQ_PATH, dlqHref, type DlqFormValues } from '../../../lib/dlq-view';

interface DlqFiltersProps {
  values: DlqFormValues;
  /** The group the fingerprint names, in words, when it is known. */
  groupCause: string | null;
  /** Choices seen in the groups, offered as suggestions (any value may be typed). */
  errorTypes: readonly string[];
  sourceTopics: readonly string[];
}

/**
 * A plain GET form: submitting it puts the filters in the URL and starts at the newest page (no
 * cursor, no record open). `datetime-local` sends no offset and the server cannot know the
 * browser's, so From and To are UTC, and the labels say so. A group (fingerprint) comes from its
 * "Show records" link and is kept until cleared.
 */
export function DlqFilters({ values, groupCause, errorTypes, sourceTopics }: DlqFiltersProps) {
  return (
    <form method="get" action={DLQ_PATH} className="panel activity-filters" aria-label="Filter DLQ records">
      {values.fingerprint !== '' && (
        <p className="dlq-group-filter" data-testid="dlq-group-filter">
          <input type="hidden" name="fingerprint" value={values.fingerprint} />
          Group: <strong>{groupCause ?? values.fingerprint}</strong>{' '}
          <Link href={dlqHref({ status: values.status, filters: {} })} className="button button-small">
            All groups
          </Link>
        </p>
      )}
      <div className="field-grid">
        <label className="field">
          <span className="field-label">Status</span>
          <select className="input" name="status" defaultValue={values.status}>
            {DLQ_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Error type</span>
          <input
            className="input"
            name="errorType"
            defaultValue={values.errorType}
            list="dlq-error-types"
            placeholder="e.g. schema_violation"
            maxLength={100}
            autoComplete="off"
          />
        </label>
        <label className="field">
          <span className="field-label">Source topic</span>
          <input
            className="input"
            name="sourceTopic"
            defaultValue={values.sourceTopic}
            list="dlq-source-topics"
            maxLength={249}
            autoComplete="off"
          />
        </label>
        <label className="field">
          <span className="field-label">Partition</span>
          <input
            className="input"
            name="sourcePartition"
            type="number"
            min={0}
            step={1}
            defaultValue={values.sourcePartition}
          />
        </label>
        <label className="field">
          <span className="field-label">From (UTC, inclusive)</span>
          <input
            className="input"
            type="datetime-local"
            name="from"
            defaultValue={values.from}
            step={datetimeInputStep(values.from)}
          />
        </label>
        <label className="field">
          <span className="field-label">To (UTC, exclusive)</span>
          <input
            className="input"
            type="datetime-local"
            name="to"
            defaultValue={values.to}
            step={datetimeInputStep(values.to)}
          />
        </label>
        <label className="field">
          <span className="field-label">Value contains</span>
          <input
            className="input"
            name="q"
            defaultValue={values.q}
            placeholder="text, e.g. an event id"
            maxLength={200}
            autoComplete="off"
          />
        </label>
      </div>
      <datalist id="dlq-error-types">
        {errorTypes.map((type) => (
          <option key={type} value={type} />
        ))}
      </datalist>
      <datalist id="dlq-source-topics">
        {sourceTopics.map((topic) => (
          <option key={topic} value={topic} />
        ))}
      </datalist>
      {values.limit !== '' && <input type="hidden" name="limit" value={values.limit} />}
      <div className="button-row">
        <button type="submit" className="button button-primary">
          Filter
        </button>
        <Link href={DLQ_PATH} className="button">
          Clear
        </Link>
      </div>
    </form>
  );
}
