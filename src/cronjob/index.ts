// CronJob on Temporal Schedules: the pure part (names, the schedule mapping, the Job per scheduled time,
// history limits, events). No Temporal, no Node, no clock: the workflow and client pass time in.
export * from './ids';
export * from './schedule-spec';
export * from './job-for-schedule';
export * from './history';
export * from './events';
export * from './catch-up';
