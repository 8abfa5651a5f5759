'use client';

import { useEffect, useRef } from 'react';

/**
 * Calls `poll` every `intervalMs` while the component is mounted: the next call starts `intervalMs`
 * after the previous one ended (a slow processor never piles requests up), and unmounting aborts
 * the one in flight through its signal. `poll` may change between renders; the latest one is used.
 */
export function usePolling(poll: (signal: AbortSignal) => Promise<void>, intervalMs: number): void {
  const latest = useRef(poll);
  useEffect(() => {
    latest.current = poll;
  });
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = (): void => {
      void latest.current(controller.signal).finally(() => {
        if (!controller.signal.aborted) timer = setTimeout(run, intervalMs);
      });
    };
    timer = setTimeout(run, intervalMs);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [intervalMs]);
}
