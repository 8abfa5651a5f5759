'use client';

import type { DlqGroup, DlqStatus } from '@dedup/contracts';
import { useState } from 'react';
import { groupReplaySelection } from '../../../lib/replay-view';
import { useDiscardFeedback } from './discard-feedback';
import { ReplayDialog } from './replay-dialog';
import { useHydrated } from './use-hydrated';

/** "Replay group…" on a group's row (operators only): the preview, then its confirmation. */
export function ReplayGroupButton({ group, status }: { group: DlqGroup; status: DlqStatus }) {
  const [open, setOpen] = useState(false);
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
          setOpen(true);
        }}
      >
        Replay group…
      </button>
      {open && (
        <ReplayDialog
          title={`Replay the ${status} records of group ${group.cause}`}
          selection={groupReplaySelection(group, status)}
          onClose={() => setOpen(false)}
        />
      )}
    </>
  );
}
