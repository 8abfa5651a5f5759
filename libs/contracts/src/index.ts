export * from './outcome';
export * from './event';
export * from './stats';
export * from './pipeline-semantics';
export * from './backfill';
export * from './access';
export * from './api-routes';
export * from './openapi';
