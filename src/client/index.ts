export * from './connection';
export * from './jobs';
