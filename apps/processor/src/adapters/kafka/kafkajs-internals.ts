import { createRequire } from 'node:module';

/**
 * `require` from inside the installed kafkajs package (`./src/...`). Only the runtime patches use it
 * (stable-offset-fetch.ts, kafkajs-encoder-allocations.ts, kafkajs-request-queue.ts; ADR 0006):
 * kafkajs's internals are reached from nowhere else, but for last-stable-offsets.ts, which asks the
 * Kafka client's private cluster factory for a cluster (ListOffsets at both isolation levels).
 */
export const kafkajsRequire: NodeJS.Require = createRequire(require.resolve('kafkajs'));
