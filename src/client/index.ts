// The client's public surface, and with it the package's (`import ... from 'durable-jobs'`, src/index.ts):
// the Jobs client and its connection, its typed errors, manifests, and the types of what it returns.
// jobctl's client verbs import only from here. Nothing here loads the worker's native code.

// ---- the client and its connection -------------------------------------------------------------------
export { JobsClient, type PodDeletionOptions } from './jobs';
export {
  ConfigError,
  ConnectionError,
  DEFAULT_ADDRESS,
  clientFor,
  codecFromEnv,
  connect,
  connectionOptions,
  dataConverterFor,
  settingsFromEnv,
  type BaseConnectionOptions,
  type ConnectionSettings,
} from './connection';
export { NamespaceNotFoundError, classifyConnectionFailure, namespaceExists, type ConnectionFailure } from './connection-errors';
export { clientVersion, serverInfo, type ServerInfo } from './server-info';
export { DEFAULT_TASK_QUEUE } from '../api/task-queues';
export type { SearchAttributeSupport } from './search-attributes';
// Payload encryption (issue 15, section 4): the codec the settings carry, and the Web UI's codec server.
export { AesGcmCodec, CODEC_KEYS_VAR, CODEC_KEY_FILE_VAR, keyRingFromEnv, parseKeyRing, startCodecServer, type CodecKeyRing, type CodecServer, type CodecServerOptions } from '../codec';
export type {
  ApplyAction,
  EventRow,
  JobDetails,
  JobInfo,
  JobSource,
  JobsClientOptions,
  ListOptions,
  ListResult,
  PodRow,
  WaitCondition,
} from './types';

// ---- typed errors --------------------------------------------------------------------------------------
export {
  AlreadyExistsError,
  ConditionUnreachableError,
  InvalidError,
  JobFinishedError,
  NoWorkerError,
  NotFoundError,
  WaitTimeoutError,
} from './errors';
export { LogsError } from './logs';
export { JobValidationError, ManifestError, type InvalidStatus, type ManifestErrorReason } from '../api/errors';
export { formatFieldError, type FieldError, type FieldErrorType } from '../api/field-errors';
export { SelectorParseError, parseSelector, type SelectorOperator, type SelectorRequirement } from '../api/label-selector';

// ---- manifests and Jobs --------------------------------------------------------------------------------
export { parseJob, parseManifests } from '../api/manifest';
export { MAX_MANIFEST_BYTES, MAX_NESTING_DEPTH, checkJobObjectLimits, checkValueLimits, decodeManifest, manifestTooLarge, parseYamlValue } from '../api/input-limits';
export { isDNS1123Label } from '../api/names';
export { podSpecWarnings } from '../api/runtime-warnings';
export { finishedCondition, isJobFinished, jobPhase, trueCondition, type FinishedCondition, type JobPhase } from '../api/conditions';
export { emptyStatus } from './stored';
export { jsonEqual } from './merge';
export type * from '../api/types';
export type {
  JobEvent,
  JobMergePatch,
  JobResult,
  JobWithStatus,
  PodsPage,
  ScaleRequest,
} from '../workflows/messages';

// ---- pods: their records, identity and logs ----------------------------------------------------------
export type { DeletionCause, PodCondition, PodPhase, PodRecord } from '../workflows/messages';
export type { ContainerReason, ContainerResult } from '../api/pod';
export {
  CONTROLLER_UID_LABEL,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_COMPLETION_INDEX_LABEL,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
} from '../api/labels';
export { podGenerateName, podIdentity, type IndexFailureCounts, type PodIdentity } from '../api/pod-identity';
export { jobNamesFromPodName, podLabels } from './list';
export { firstPod, podLogs, tailLines, type ContainerLog, type LogOptions, type PodLogs } from './logs';
export { followPodLog, type FollowPodLogOptions } from './log-follow';
export { defaultDataDir, podLogFile } from '../data-dir/layout';

// ---- CronJobs ------------------------------------------------------------------------------------------
export { CronJobsClient, type CronJobDetails, type CronJobInfo, type CronJobWithStatus } from './cronjobs';
export { CRONJOB_V1BETA1_WARNING, parseCronJob, parseObjects, type ParsedObjects } from '../api/manifest';
export type * from '../api/cronjob';
export { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from '../api/cronjob';
export type { CronJobEvent } from '../cronjob/events';
