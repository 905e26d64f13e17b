// Kubernetes batch/v1 shapes, kept as close to the upstream API as possible so that users never translate.
// Fields are the defaulted, validated form produced by `parseJob` (see ./job-schema.ts).

export type Labels = Record<string, string>;

export interface ObjectMeta {
  name: string;
  namespace: string;
  labels?: Labels;
  annotations?: Labels;
  uid?: string;
  creationTimestamp?: string;
  generation?: number;
  /** Set on the Jobs a CronJob creates: kind CronJob, controller true (see src/cronjob/). */
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
}

export interface ObjectFieldSelector {
  fieldPath: string;
  apiVersion?: string;
}

/** A key of a Secret: on a worker, the file `<secretsDir>/<namespace>/<name>/<key>` (never in Temporal). */
export interface SecretKeySelector {
  name: string;
  key: string;
  /** When true, a missing secret or key leaves the variable unset instead of failing the pod. */
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: ObjectFieldSelector; secretKeyRef?: SecretKeySelector };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  volumeMounts?: VolumeMount[];
  imagePullPolicy?: string;
  /** Fields the runtimes cannot honour (resources, probes, ports...) are kept verbatim so that we can say which ones are ignored. */
  [ignored: string]: unknown;
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string | number };
  [ignored: string]: unknown;
}

export type RestartPolicy = 'Never' | 'OnFailure';

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  restartPolicy: RestartPolicy;
  terminationGracePeriodSeconds: number;
  activeDeadlineSeconds?: number;
  volumes?: Volume[];
  runtimeClassName?: string;
  nodeSelector?: Labels;
  [ignored: string]: unknown;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Labels; annotations?: Labels; name?: string };
  spec: PodSpec;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface PodFailurePolicyOnExitCodesRequirement {
  containerName?: string;
  operator: 'In' | 'NotIn';
  values: number[];
}

export interface PodFailurePolicyOnPodConditionsPattern {
  type: string;
  status: 'True' | 'False' | 'Unknown';
}

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'FailIndex' | 'Ignore' | 'Count';
  onExitCodes?: PodFailurePolicyOnExitCodesRequirement;
  onPodConditions?: PodFailurePolicyOnPodConditionsPattern[];
}

export interface PodFailurePolicy {
  rules: PodFailurePolicyRule[];
}

export interface SuccessPolicyRule {
  succeededIndexes?: string;
  succeededCount?: number;
}

export interface SuccessPolicy {
  rules: SuccessPolicyRule[];
}

export type CompletionMode = 'NonIndexed' | 'Indexed';
export type PodReplacementPolicy = 'Failed' | 'TerminatingOrFailed';

export interface JobSpec {
  parallelism: number;
  /** null means work-queue mode (completions unset). */
  completions: number | null;
  completionMode: CompletionMode;
  backoffLimit: number;
  /** True when backoffLimit came from the manifest rather than a default (matters with backoffLimitPerIndex). */
  backoffLimitSet?: boolean;
  backoffLimitPerIndex?: number;
  maxFailedIndexes?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend: boolean;
  podFailurePolicy?: PodFailurePolicy;
  successPolicy?: SuccessPolicy;
  podReplacementPolicy: PodReplacementPolicy;
  manualSelector?: boolean;
  selector?: LabelSelector;
  managedBy?: string;
  template: PodTemplateSpec;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export type JobConditionType = 'Suspended' | 'FailureTarget' | 'Failed' | 'SuccessCriteriaMet' | 'Complete';

export interface JobCondition {
  type: JobConditionType;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastProbeTime: string;
  lastTransitionTime: string;
}

export interface JobStatus {
  startTime?: string;
  completionTime?: string;
  active: number;
  ready: number;
  terminating: number;
  succeeded: number;
  failed: number;
  completedIndexes?: string;
  failedIndexes?: string;
  conditions: JobCondition[];
}

export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ObjectMeta;
  spec: JobSpec;
  status?: JobStatus;
}
