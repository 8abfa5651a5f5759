import { createRequire } from 'node:module';

/**
 * `require` from inside the installed kafkajs package (`./src/...`). Only the two runtime patches use
 * it (stable-offset-fetch.ts, kafkajs-encoder-allocations.ts; ADR 0006): kafkajs's internals are
 * reached from nowhere else.
 */
export const kafkajsRequire: NodeJS.Require = createRequire(require.resolve('kafkajs'));
