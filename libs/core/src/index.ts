export * from './coordinates';
export * from './parse-record';
export * from './decide-batch';
