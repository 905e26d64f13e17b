export * from './connection';
export * from './jobs';
export * from './errors';
export { LogsError, firstPod, podLogs, tailLines, type ContainerLog, type LogOptions, type PodLogs } from './logs';
export type { SearchAttributeSupport } from './search-attributes';
export { CronJobsClient, type CronJobDetails, type CronJobInfo, type CronJobWithStatus } from './cronjobs';
