export * from './outcome';
export * from './event';
export * from './stats';
export * from './pipeline-semantics';
export * from './backfill';
