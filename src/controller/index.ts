export * from './state';
export * from './backoff';
export * from './pods';
export * from './status';
export { apply, applySpecChange, reconcile, suffixFrom } from './reconcile';
export * from './pod-failure-policy';
export * from './success-policy';
export * from './carry';
export * from './pod-deletion';
