export * from './outcome';
export * from './event';
export * from './stats';
export * from './pipeline-semantics';
