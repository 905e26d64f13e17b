// The public API of src/api. Workflow code (Temporal's sandbox) should import the modules it needs
// directly (e.g. './indexes', './types') rather than this barrel, which also pulls in the YAML parser.
export type * from './types';
export type * from './pod';
export { CRONJOB_V1BETA1_WARNING, parseCronJob, parseJob, parseManifests, parseObjects, type ParsedObjects } from './manifest';
export type * from './cronjob';
export { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION, CONCURRENCY_POLICIES } from './cronjob';
export { cronJobToManifest } from './cronjob-validation';
export { MAX_MANIFEST_BYTES, MAX_NESTING_DEPTH, checkJobObjectLimits, checkValueLimits, decodeManifest, manifestTooLarge, parseYamlValue } from './input-limits';
export { JobValidationError, ManifestError, type InvalidStatus, type ManifestErrorReason } from './errors';
export { type FieldError, type FieldErrorType, errorBody, formatFieldError } from './field-errors';
export { ignoredPodFields } from './pod-fields';
export {
  CONTROLLER_UID_LABEL,
  JOB_COMPLETION_INDEX_ANNOTATION,
  JOB_COMPLETION_INDEX_LABEL,
  JOB_INDEX_FAILURE_COUNT_ANNOTATION,
  JOB_INDEX_IGNORED_FAILURE_COUNT_ANNOTATION,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  withControllerUid,
} from './labels';
export {
  type IndexRanges,
  type IndexesFormatResult,
  addIndex,
  addRange,
  countIndexes,
  firstMissingIndexes,
  formatIndexes,
  formatRanges,
  hasIndex,
  indexesOf,
  parseIndexes,
  rangesFromIndexes,
  removeIndex,
  unionRanges,
  validateIndexesFormat,
} from './indexes';
export { DEFAULT_BACKOFF_LIMIT, DEFAULT_NAMESPACE, DEFAULT_RUNTIME_CLASS, MAX_INT32 } from './defaults';
export { RUNTIME_CLASSES } from './pod-validation';
export { isDNS1123Label } from './names';
export { JOB_CONTROLLER_NAME, managedByOtherController } from './managed-by';
export { podSpecWarnings, runtimeWarnings, type RuntimeWarning } from './runtime-warnings';
export { finishedCondition, isJobFinished, jobPhase, trueCondition, type FinishedCondition, type JobPhase } from './conditions';
export { NAME_SUFFIX_ALPHABET, podGenerateName, podIdentity, podName, type IndexFailureCounts, type PodIdentity } from './pod-identity';
export { DEFAULT_TASK_QUEUE } from './task-queues';
