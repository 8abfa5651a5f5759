export * from './coordinates';
export * from './parse-record';
export * from './engine';
export * from './bloom/blocked-bloom-filter';
