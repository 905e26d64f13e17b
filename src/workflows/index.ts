// The workflow bundle's entry point: every workflow type the worker registers.
export { job } from './job';
export { jobRemoval, jobRemovalClaim } from './removal';
export { cronJobRun } from './cronjob-run';
