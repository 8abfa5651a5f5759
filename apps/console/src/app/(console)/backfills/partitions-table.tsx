import type { BackfillPartition } from '@dedup/contracts';
import Link from 'next/link';
import { formatCount, partitionProgress, sortedPartitions } from '../../../lib/backfill-view';
import { partitionHref } from '../../../lib/watermarks-view';
import { ProgressBar } from '../../progress-bar';

interface PartitionsTableProps {
  /** Names the table and the bars: "Backfill 3", "Preview". */
  owner: string;
  partitions: readonly BackfillPartition[];
  /** The job's source topic: a partition links to its watermark row (the page says if not the input). */
  topic: string;
  /** A preview has no progress yet: records per partition and the total only. */
  preview?: boolean;
  totalRecords: number;
}

export function PartitionsTable({
  owner,
  partitions,
  topic,
  preview = false,
  totalRecords,
}: PartitionsTableProps) {
  const rows = sortedPartitions(partitions);
  return (
    <table className="table">
      <caption className="visually-hidden">{owner}: records per partition</caption>
      <thead>
        <tr>
          <th scope="col">Partition</th>
          <th scope="col" className="num">
            Start offset
          </th>
          <th scope="col" className="num">
            End offset
          </th>
          {!preview && (
            <th scope="col" className="num">
              Next offset
            </th>
          )}
          <th scope="col" className="num">
            {preview ? 'Records' : 'Processed / records'}
          </th>
          {!preview && <th scope="col">Progress</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((p) => (
          <tr key={p.partition}>
            <th scope="row">
              <Link href={partitionHref(p.partition, topic)} title={`Partition ${p.partition}'s watermark`}>
                {p.partition}
              </Link>
            </th>
            <td className="num">{p.startOffset}</td>
            <td className="num">{p.endOffset}</td>
            {!preview && <td className="num">{p.nextOffset}</td>}
            <td className="num" data-testid={`partition-${p.partition}-records`}>
              {preview
                ? formatCount(p.totalRecords)
                : `${formatCount(p.processedRecords)} / ${formatCount(p.totalRecords)}`}
            </td>
            {!preview && (
              <td className="progress-cell">
                <ProgressBar
                  label={`${owner}, partition ${p.partition} progress`}
                  progress={partitionProgress(p)}
                  processed={p.processedRecords}
                  total={p.totalRecords}
                  small
                />
              </td>
            )}
          </tr>
        ))}
      </tbody>
      {preview && (
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td />
            <td />
            <td className="num" data-testid="preview-total">
              {formatCount(totalRecords)}
            </td>
          </tr>
        </tfoot>
      )}
    </table>
  );
}
