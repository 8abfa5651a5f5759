'use client';

import { backfillJobSchema, type BackfillJob, type CreateBackfillRequest } from '@dedup/contracts';
import { useState, type ReactNode, type SyntheticEvent } from 'react';
import {
  addPartitionRow,
  buildCreateRequest,
  EMPTY_FORM,
  removePartitionRow,
  utcOffsetLabel,
  type BackfillFormState,
  type FieldErrors,
  type PartitionRow,
  type RangeKind,
} from '../../../lib/backfill-request';
import { estimatedDurationSeconds, formatCount, formatDuration } from '../../../lib/backfill-view';
import { fetchConsole } from '../../../lib/console-fetch';
import { PartitionsTable } from './partitions-table';
import { RangeText } from './range-text';

interface BackfillFormProps {
  /** The job the processor created: shown in the list at once, before the next poll. */
  onCreated: (job: BackfillJob) => void;
}

/** What was previewed, so Start sends exactly the request whose scope the operator saw. */
interface Preview {
  readonly request: CreateBackfillRequest;
  readonly job: BackfillJob;
}

type Busy = 'preview' | 'start' | null;

/**
 * Create a backfill in two steps: Preview (the processor plans the job and creates nothing), then
 * Start. Any edit drops the preview, so what starts is always what was last previewed.
 */
export function BackfillForm({ onCreated }: BackfillFormProps) {
  const [form, setForm] = useState<BackfillFormState>(EMPTY_FORM);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [serverError, setServerError] = useState<string | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const [busy, setBusy] = useState<Busy>(null);

  const edit = (change: (previous: BackfillFormState) => BackfillFormState): void => {
    setForm(change);
    setPreview(null);
    setStarted(null);
  };
  const set =
    (key: 'sourceTopic' | 'targetTopic' | 'from' | 'to' | 'maxEventsPerSecond' | 'reason') =>
    (value: string) => {
      edit((previous) => ({ ...previous, [key]: value }));
    };

  const requestPreview = async (event: SyntheticEvent<HTMLFormElement>): Promise<void> => {
    event.preventDefault();
    setServerError(null);
    setStarted(null);
    const built = buildCreateRequest(form);
    if (!built.ok) {
      setErrors(built.errors);
      setPreview(null);
      return;
    }
    setErrors({});
    setBusy('preview');
    const result = await fetchConsole('/api/backfills/preview', backfillJobSchema, 'backfill details', {
      method: 'POST',
      body: built.request,
    });
    setBusy(null);
    if (result.ok) setPreview({ request: built.request, job: result.value });
    else setServerError(result.error);
  };

  const start = async (request: CreateBackfillRequest): Promise<void> => {
    setServerError(null);
    setBusy('start');
    const result = await fetchConsole('/api/backfills', backfillJobSchema, 'backfill details', {
      method: 'POST',
      body: request,
    });
    setBusy(null);
    if (!result.ok) {
      setServerError(result.error);
      return;
    }
    setPreview(null);
    setStarted(
      `Backfill ${result.value.id ?? ''} started: ${formatCount(result.value.totalRecords)} records.`,
    );
    onCreated(result.value);
  };

  return (
    <section className="panel" aria-labelledby="new-backfill-title">
      <h2 id="new-backfill-title" className="section-title">
        New backfill
      </h2>
      <form onSubmit={(event) => void requestPreview(event)} noValidate aria-describedby="new-backfill-hint">
        <p id="new-backfill-hint" className="muted">
          Preview first: it shows what the job would read, and creates nothing.
        </p>
        <div className="field-grid">
          <Field id="bf-source" label="Source topic" error={errors['sourceTopic']}>
            <TextInput
              id="bf-source"
              value={form.sourceTopic}
              onChange={set('sourceTopic')}
              placeholder="defaults to the pipeline input"
              error={errors['sourceTopic']}
            />
          </Field>
          <Field id="bf-target" label="Target topic" error={errors['targetTopic']}>
            <TextInput
              id="bf-target"
              value={form.targetTopic}
              onChange={set('targetTopic')}
              placeholder="e.g. events.backfill"
              required
              error={errors['targetTopic']}
            />
          </Field>
        </div>

        <fieldset className="fieldset">
          <legend>Range</legend>
          <div className="radio-row">
            {(
              [
                ['time', 'By record time'],
                ['offsets', 'By offsets, per partition'],
              ] as const satisfies readonly (readonly [RangeKind, string])[]
            ).map(([kind, label]) => (
              <label key={kind} className="radio">
                <input
                  type="radio"
                  name="bf-range-kind"
                  value={kind}
                  checked={form.rangeKind === kind}
                  onChange={() => edit((previous) => ({ ...previous, rangeKind: kind }))}
                />{' '}
                {label}
              </label>
            ))}
          </div>
          {form.rangeKind === 'time' ? (
            <>
              <div className="field-grid">
                <Field
                  id="bf-from"
                  label={
                    <>
                      From <ZoneLabel />
                    </>
                  }
                  error={errors['range.from']}
                >
                  <DateTimeInput
                    id="bf-from"
                    value={form.from}
                    onChange={set('from')}
                    error={errors['range.from']}
                  />
                </Field>
                <Field
                  id="bf-to"
                  label={
                    <>
                      To <ZoneLabel />
                    </>
                  }
                  error={errors['range.to']}
                >
                  <DateTimeInput id="bf-to" value={form.to} onChange={set('to')} error={errors['range.to']} />
                </Field>
              </div>
              <p className="hint">
                Both optional. No From: from the earliest record still in the topic. No To: up to the end of
                the topic when the job is created.
              </p>
            </>
          ) : (
            <OffsetRows
              rows={form.partitions}
              errors={errors}
              onChange={(rows) => edit((previous) => ({ ...previous, partitions: rows }))}
              onAdd={() => edit(addPartitionRow)}
              onRemove={(id) => edit((previous) => removePartitionRow(previous, id))}
            />
          )}
        </fieldset>

        <div className="field-grid">
          <Field id="bf-rate" label="Max events/s" error={errors['maxEventsPerSecond']}>
            <TextInput
              id="bf-rate"
              value={form.maxEventsPerSecond}
              onChange={set('maxEventsPerSecond')}
              placeholder="processor default"
              inputMode="numeric"
              error={errors['maxEventsPerSecond']}
            />
          </Field>
          <Field id="bf-reason" label="Reason" error={errors['reason']}>
            <TextInput
              id="bf-reason"
              value={form.reason}
              onChange={set('reason')}
              placeholder="why: goes to the operator action log"
              maxLength={500}
              error={errors['reason']}
            />
          </Field>
        </div>

        {errors['form'] !== undefined && (
          <p className="form-error" role="alert">
            {errors['form']}
          </p>
        )}
        <div className="button-row">
          <button type="submit" className="button" disabled={busy !== null}>
            {busy === 'preview' ? 'Previewing…' : 'Preview'}
          </button>
        </div>
        {serverError !== null && (
          <div className="banner form-banner" role="alert" data-testid="backfill-form-error">
            {serverError}
          </div>
        )}
        {started !== null && (
          <p className="form-success" role="status">
            {started}
          </p>
        )}
      </form>

      {preview !== null && (
        <PreviewPanel
          job={preview.job}
          busy={busy}
          onStart={() => void start(preview.request)}
          onDiscard={() => setPreview(null)}
        />
      )}
    </section>
  );
}

function PreviewPanel({
  job,
  busy,
  onStart,
  onDiscard,
}: {
  job: BackfillJob;
  busy: Busy;
  onStart: () => void;
  onDiscard: () => void;
}) {
  const duration = estimatedDurationSeconds(job.totalRecords, job.maxEventsPerSecond);
  return (
    <section className="preview" aria-labelledby="preview-title" data-testid="backfill-preview">
      <h3 id="preview-title" className="preview-title">
        Preview: {job.sourceTopic} → {job.targetTopic}
      </h3>
      <p>
        <RangeText range={job.range} />. Duplicates go to {job.duplicatesTopic}, late events to{' '}
        {job.lateTopic}.
      </p>
      <PartitionsTable
        owner="Preview"
        partitions={job.partitions}
        topic={job.sourceTopic}
        totalRecords={job.totalRecords}
        preview
      />
      <p>
        <strong data-testid="preview-total-records">{formatCount(job.totalRecords)}</strong> records; at most{' '}
        {formatCount(job.maxEventsPerSecond)} events/s that takes at least{' '}
        <strong data-testid="preview-duration">{formatDuration(duration)}</strong>.
      </p>
      {job.totalRecords === 0 ? (
        <p className="form-error" role="status">
          Nothing to backfill in this range.
        </p>
      ) : (
        <p className="hint">
          Counts are as of now. Start fixes the range again: records that arrived since are included when To
          is empty.
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          className="button button-primary"
          disabled={busy !== null || job.totalRecords === 0}
          onClick={onStart}
        >
          {busy === 'start' ? 'Starting…' : 'Start backfill'}
        </button>
        <button type="button" className="button" disabled={busy !== null} onClick={onDiscard}>
          Discard preview
        </button>
      </div>
    </section>
  );
}

function OffsetRows({
  rows,
  errors,
  onChange,
  onAdd,
  onRemove,
}: {
  rows: readonly PartitionRow[];
  errors: FieldErrors;
  onChange: (rows: PartitionRow[]) => void;
  onAdd: () => void;
  onRemove: (id: number) => void;
}) {
  const update = (id: number, key: 'partition' | 'start' | 'end', value: string) => {
    onChange(rows.map((row) => (row.id === id ? { ...row, [key]: value } : row)));
  };
  return (
    <>
      {rows.map((row, i) => {
        const key = `range.partitions.${i}`;
        return (
          <div
            key={row.id}
            className="field-grid offset-row"
            role="group"
            aria-label={`Partition row ${i + 1}`}
          >
            <Field id={`bf-p${row.id}-partition`} label="Partition" error={errors[`${key}.partition`]}>
              <TextInput
                id={`bf-p${row.id}-partition`}
                value={row.partition}
                onChange={(value) => update(row.id, 'partition', value)}
                inputMode="numeric"
                error={errors[`${key}.partition`]}
              />
            </Field>
            <Field id={`bf-p${row.id}-start`} label="Start offset (inclusive)" error={errors[`${key}.start`]}>
              <TextInput
                id={`bf-p${row.id}-start`}
                value={row.start}
                onChange={(value) => update(row.id, 'start', value)}
                inputMode="numeric"
                error={errors[`${key}.start`]}
              />
            </Field>
            <Field id={`bf-p${row.id}-end`} label="End offset (exclusive)" error={errors[`${key}.end`]}>
              <TextInput
                id={`bf-p${row.id}-end`}
                value={row.end}
                onChange={(value) => update(row.id, 'end', value)}
                inputMode="numeric"
                error={errors[`${key}.end`]}
              />
            </Field>
            <div className="field field-action">
              <button
                type="button"
                className="button"
                aria-label={`Remove partition row ${i + 1}`}
                onClick={() => onRemove(row.id)}
              >
                Remove
              </button>
            </div>
          </div>
        );
      })}
      {errors['range.partitions'] !== undefined && (
        <p className="field-error" role="alert">
          {errors['range.partitions']}
        </p>
      )}
      <div className="button-row">
        <button type="button" className="button" onClick={onAdd}>
          Add partition
        </button>
      </div>
    </>
  );
}

function Field({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: ReactNode;
  error: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children}
      {error !== undefined && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

interface InputProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
}

function TextInput({
  id,
  value,
  onChange,
  error,
  placeholder,
  required = false,
  inputMode,
  maxLength,
}: InputProps & {
  placeholder?: string;
  required?: boolean;
  inputMode?: 'numeric';
  maxLength?: number;
}) {
  return (
    <input
      id={id}
      className="input"
      type="text"
      value={value}
      onChange={(event) => onChange(event.target.value)}
      placeholder={placeholder}
      required={required}
      inputMode={inputMode}
      maxLength={maxLength}
      spellCheck={false}
      autoComplete="off"
      aria-invalid={error !== undefined}
      aria-describedby={error === undefined ? undefined : `${id}-error`}
    />
  );
}

function DateTimeInput({ id, value, onChange, error }: InputProps) {
  return (
    <input
      id={id}
      className="input"
      type="datetime-local"
      step={1}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      aria-invalid={error !== undefined}
      aria-describedby={error === undefined ? undefined : `${id}-error`}
    />
  );
}

/** The zone the datetime inputs are read in; the server renders its own, hence the opt-out. */
function ZoneLabel() {
  return (
    <span className="muted" suppressHydrationWarning>
      (local time, {utcOffsetLabel(new Date())})
    </span>
  );
}
