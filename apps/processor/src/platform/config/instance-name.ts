import { hostname } from 'node:os';
import type { AppConfig } from './app-config';

/** This processor instance, as the console and the health samples name it: client id, host and pid. */
export function instanceName(config: Pick<AppConfig, 'kafka'>): string {
  return `${config.kafka.clientId}@${hostname()}/${process.pid}`;
}
