import { z } from 'zod';

/*
 * The console's configuration, read from the environment once when the server first loads this
 * module. Nothing else in the console reads `process.env`. Server-only: never import it (or anything
 * that imports it) from a 'use client' file.
 */

const envSchema = z.object({
  /** Base URL of the processor's control-plane HTTP API. */
  PROCESSOR_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001'),
});

export interface ConsoleConfig {
  /** Processor base URL without a trailing slash. */
  readonly processorUrl: string;
}

function loadConfig(env: NodeJS.ProcessEnv): ConsoleConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    // Lists every bad key at once, so one restart fixes them all.
    throw new Error(`Invalid console configuration:\n${z.prettifyError(parsed.error)}`);
  }
  return Object.freeze({ processorUrl: parsed.data.PROCESSOR_URL.replace(/\/+$/, '') });
}

export const config: ConsoleConfig = loadConfig(process.env);
