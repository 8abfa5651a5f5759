'use client';

import type { DlqGroup, DlqStatus } from '@dedup/contracts';
import { useState } from 'react';
import { groupDiscardHint, groupQuestion, groupSelection, recordsText } from '../../../lib/dlq-view';
import { DiscardDialog } from './discard-dialog';
import { useDiscardFeedback } from './discard-feedback';
import { useHydrated } from './use-hydrated';

/** "Discard group…" on a group's row (operators only), with its confirmation. */
export function DiscardGroupButton({ group, status }: { group: DlqGroup; status: DlqStatus }) {
  const [confirming, setConfirming] = useState(false);
  const hydrated = useHydrated();
  const report = useDiscardFeedback();
  return (
    <>
      <button
        type="button"
        className="button button-small"
        disabled={!hydrated}
        onClick={() => {
          report(null);
          setConfirming(true);
        }}
      >
        Discard group…
      </button>
      {confirming && (
        <DiscardDialog
          question={groupQuestion(group, status)}
          hint={groupDiscardHint(status)}
          confirmLabel={`Discard ${recordsText(group.count)}`}
          selection={groupSelection(group, status)}
          asked={group.count}
          onClose={() => setConfirming(false)}
        />
      )}
    </>
  );
}
