export * from './coordinates';
export * from './parse-record';
export * from './engine';
