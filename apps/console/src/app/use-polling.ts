'use client';

import { useEffect, useRef, useState } from 'react';
import type { z } from 'zod';
import { fetchConsole } from '../lib/console-fetch';

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

/** A polled answer: the last good one (null before the first), and why the latest poll failed. */
export interface PolledAnswer<T> {
  readonly data: T | null;
  readonly error: string | null;
}

/**
 * Polls a console route (`path`, read with `schema`) every `intervalMs`, starting from the
 * server-rendered answer: a failed poll keeps the last good answer on screen and says why (the
 * page shows it as stale), the next good one clears the error.
 */
export function usePolledAnswer<T>(
  path: string,
  schema: z.ZodType<T>,
  what: string,
  initial: PolledAnswer<T>,
  intervalMs: number,
): PolledAnswer<T> {
  const [answer, setAnswer] = useState<PolledAnswer<T>>(initial);
  usePolling(async (signal) => {
    const result = await fetchConsole(path, schema, what, { signal });
    if (signal.aborted) return;
    setAnswer((last) =>
      result.ok ? { data: result.value, error: null } : { data: last.data, error: result.error },
    );
  }, intervalMs);
  return answer;
}
