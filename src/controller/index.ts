export * from './state';
export * from './backoff';
export * from './pods';
export * from './status';
export { apply, reconcile, suffixFrom } from './reconcile';
