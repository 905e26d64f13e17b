// Kubernetes' Job validation (VAL ValidateJob / validateJobSpec, pkg/apis/batch/validation), run on the
// defaulted manifest. Rules, messages, field paths and their order follow the Go code so that the
// aggregated message matches the API server's.
import {
  type FieldError,
  child,
  duplicate,
  index,
  invalid,
  invalidOmitValue,
  key,
  notSupported,
  required,
  tooLong,
  tooMany,
  pushAll,
} from './field-errors';
import { goQuoteList, utf8Length } from './go-format';
import { validateIndexesFormat } from './indexes';
import type { JobManifest, JobSpecManifest, LabelSelectorManifest } from './job-schema';
import {
  CONTROLLER_UID_LABEL,
  JOB_NAME_LABEL,
  LEGACY_CONTROLLER_UID_LABEL,
  LEGACY_JOB_NAME_LABEL,
  withLabelsIfAbsent,
} from './labels';
import { isDomainPrefixedPath, isQualifiedName } from './names';
import { validateDNS1123Label, validatePodTemplate } from './pod-validation';
import { selectorMatches, validateAnnotations, validateLabelSelector, validateLabels } from './label-validation';
import type { Labels } from './types';

const NON_NEGATIVE = 'must be greater than or equal to 0';
const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;

export const COMPLETION_MODES = ['NonIndexed', 'Indexed'] as const;
export const RESTART_POLICIES = ['OnFailure', 'Never'] as const;
// Kubernetes lists these from sorted sets.
export const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'] as const;
export const ON_EXIT_CODES_OPERATORS = ['In', 'NotIn'] as const;
export const CONDITION_STATUSES = ['False', 'True', 'Unknown'] as const;
export const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'] as const;

const includes = (list: readonly string[], v: string | undefined): boolean => v !== undefined && list.includes(v);

function nonNegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [invalid(path, value, NON_NEGATIVE)] : [];
}

export interface ValidateJobOptions {
  /**
   * The Job's uid, when it has one. Without it, the generated selector and controller-uid labels are
   * checked with a stand-in uid (what matters is only whether the user's own labels and selector fit).
   */
  uid?: string;
}

/** All validation errors of a defaulted Job manifest (empty when valid). */
export function validateJob(job: JobManifest, options: ValidateJobOptions = {}): FieldError[] {
  const name = job.metadata?.name ?? '';
  const spec = job.spec ?? {};
  const errs = validateObjectMeta(job.metadata ?? {}, 'metadata');
  pushAll(errs, validateGeneratedSelector(name, spec, options.uid));
  pushAll(errs, validateJobSpec(spec, 'spec', options.uid));
  // The controller names Indexed pods' hosts `<name>-<index>`, so the largest one must be a DNS label.
  if (spec.completionMode === 'Indexed' && spec.completions !== undefined && spec.completions > 0) {
    const maxHostname = `${name}-${spec.completions - 1}`;
    if (validateDNS1123Label(maxHostname, '').length > 0)
      errs.push(invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${maxHostname}`));
  }
  return errs;
}

function validateObjectMeta(meta: NonNullable<JobManifest['metadata']>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName !== undefined && !meta.name)
    errs.push(invalid(child(path, 'generateName'), meta.generateName, 'is not supported by durable-jobs: set metadata.name'));
  else if (!meta.name) errs.push(required(child(path, 'name'), 'name or generateName is required'));
  // Kubernetes only requires a DNS subdomain, but the name becomes a label value and a pod hostname:
  // durable-jobs requires the DNS-1123 label that Kubernetes effectively needs (JOB-SEMANTICS A, 1.2).
  else pushAll(errs, validateDNS1123Label(meta.name, child(path, 'name')));
  if (!meta.namespace) errs.push(required(child(path, 'namespace')));
  else pushAll(errs, validateDNS1123Label(meta.namespace, child(path, 'namespace')));
  pushAll(errs, validateLabels(meta.labels, child(path, 'labels')));
  pushAll(errs, validateAnnotations(meta.annotations, child(path, 'annotations')));
  return errs;
}

// Stands in for the uid until the Job has one: a valid label value that no one writes by accident.
const UID_PLACEHOLDER = 'uid.placeholder.7e3f2a91c05d';

/** The selector and template labels as the API server generates them (STRAT generateSelector). */
function generated(spec: JobSpecManifest, uid: string): { selector: LabelSelectorManifest; templateLabels: Labels } {
  const selector = spec.selector ?? {};
  return {
    selector: { ...selector, matchLabels: withLabelsIfAbsent(selector.matchLabels, { [CONTROLLER_UID_LABEL]: uid }) },
    templateLabels: withLabelsIfAbsent(spec.template?.metadata?.labels, {
      [CONTROLLER_UID_LABEL]: uid,
      [LEGACY_CONTROLLER_UID_LABEL]: uid,
    }),
  };
}

/** Template labels as messages show them: without the stand-in uid labels when the real uid is not known. */
function displayedLabels(spec: JobSpecManifest, labels: Labels | undefined, uid: string | undefined): Labels {
  return (uid === undefined ? spec.template?.metadata?.labels : labels) ?? {};
}

function validateGeneratedSelector(name: string, spec: JobSpecManifest, uid: string | undefined): FieldError[] {
  if (spec.manualSelector === true) return [];
  const errs: FieldError[] = [];
  const actualUid = uid ?? UID_PLACEHOLDER;
  const { selector, templateLabels } = generated(spec, actualUid);
  const labelsPath = 'spec.template.metadata.labels';
  const shown = displayedLabels(spec, templateLabels, uid);
  const hasLabel = (label: string, expected: string, detail: string): void => {
    if (!Object.hasOwn(templateLabels, label)) errs.push(required(key(labelsPath, label), detail));
    else if (templateLabels[label] !== expected) errs.push(invalid(key(labelsPath, label), shown, detail));
  };
  const uidDetail = uid ?? "the Job's uid: this label is generated and may not be set";
  hasLabel(LEGACY_CONTROLLER_UID_LABEL, actualUid, uidDetail);
  hasLabel(LEGACY_JOB_NAME_LABEL, name, name);
  hasLabel(CONTROLLER_UID_LABEL, actualUid, uidDetail);
  hasLabel(JOB_NAME_LABEL, name, name);
  const expected = {
    [CONTROLLER_UID_LABEL]: actualUid,
    [JOB_NAME_LABEL]: name,
    [LEGACY_CONTROLLER_UID_LABEL]: actualUid,
    [LEGACY_JOB_NAME_LABEL]: name,
  };
  if (selectorMatches(selector, expected) === false)
    errs.push(invalid('spec.selector', spec.selector ?? selector, '`selector` not auto-generated'));
  return errs;
}

function validateJobSpec(spec: JobSpecManifest, path: string, uid: string | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const p = (name: string): string => child(path, name);
  pushAll(errs, nonNegative(spec.parallelism, p('parallelism')));
  pushAll(errs, nonNegative(spec.completions, p('completions')));
  pushAll(errs, nonNegative(spec.activeDeadlineSeconds, p('activeDeadlineSeconds')));
  pushAll(errs, nonNegative(spec.backoffLimit, p('backoffLimit')));
  pushAll(errs, nonNegative(spec.ttlSecondsAfterFinished, p('ttlSecondsAfterFinished')));
  pushAll(errs, nonNegative(spec.backoffLimitPerIndex, p('backoffLimitPerIndex')));
  if (spec.maxFailedIndexes !== undefined) {
    pushAll(errs, nonNegative(spec.maxFailedIndexes, p('maxFailedIndexes')));
    if (spec.backoffLimitPerIndex === undefined)
      errs.push(required(p('backoffLimitPerIndex'), 'when maxFailedIndexes is specified'));
  }
  if (spec.managedBy !== undefined) {
    if (spec.managedBy === '') errs.push(required(p('managedBy')));
    else pushAll(errs, isDomainPrefixedPath(spec.managedBy).map((e) => invalid(p('managedBy'), e.value, e.message)));
    if (utf8Length(spec.managedBy) > MAX_MANAGED_BY_LENGTH)
      errs.push(tooLong(p('managedBy'), `may not be longer than ${MAX_MANAGED_BY_LENGTH}`));
  }
  pushAll(errs, validateCompletionMode(spec, path));
  if (spec.podFailurePolicy) pushAll(errs, validatePodFailurePolicy(spec, p('podFailurePolicy')));
  if (spec.successPolicy) {
    if (spec.completionMode !== 'Indexed')
      errs.push(invalid(p('successPolicy'), spec.successPolicy, 'requires indexed completion mode'));
    else pushAll(errs, validateSuccessPolicy(spec, p('successPolicy')));
  }
  pushAll(errs, validatePodReplacementPolicy(spec, p('podReplacementPolicy')));

  const template = spec.template ?? {};
  const templateSpec = template.spec ?? {};
  pushAll(errs, validatePodTemplate(template.metadata, templateSpec, p('template')));
  // The pod default would turn a missing restartPolicy into Always; both mean "not a Job's policy".
  const restartPath = child(p('template'), 'spec.restartPolicy');
  const restartPolicy = templateSpec.restartPolicy;
  if (!restartPolicy) errs.push(required(restartPath, 'valid values: "OnFailure", "Never"'));
  else if (!includes(RESTART_POLICIES, restartPolicy)) errs.push(notSupported(restartPath, restartPolicy, RESTART_POLICIES));
  else if (spec.podFailurePolicy && restartPolicy !== 'Never')
    errs.push(invalid(restartPath, restartPolicy, 'only "Never" is supported when podFailurePolicy is specified'));

  // ValidateJobSpec: the selector, manual or generated, must select the pods the Job creates.
  const manual = spec.manualSelector === true;
  const { selector, templateLabels } = manual
    ? { selector: spec.selector, templateLabels: template.metadata?.labels }
    : generated(spec, uid ?? UID_PLACEHOLDER);
  if (!selector) errs.push(required(p('selector')));
  else {
    pushAll(errs, validateLabelSelector(selector, p('selector')));
    if (selectorMatches(selector, templateLabels) === false)
      errs.push(
        invalid(child(p('template'), 'metadata.labels'), displayedLabels(spec, templateLabels, uid), '`selector` does not match template `labels`'),
      );
  }
  return errs;
}

function validateCompletionMode(spec: JobSpecManifest, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const p = (name: string): string => child(path, name);
  const mode = spec.completionMode;
  if (mode !== undefined && !includes(COMPLETION_MODES, mode)) errs.push(notSupported(p('completionMode'), mode, COMPLETION_MODES));
  const { completions, parallelism, maxFailedIndexes: mfi, backoffLimitPerIndex: blpi } = spec;
  if (mode === 'Indexed') {
    if (completions === undefined) errs.push(required(p('completions'), 'when completion mode is Indexed'));
    if (parallelism !== undefined && parallelism > MAX_PARALLELISM_FOR_INDEXED_JOB)
      errs.push(
        invalid(p('parallelism'), parallelism, `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`),
      );
    if (completions !== undefined && mfi !== undefined && mfi > completions)
      errs.push(invalid(p('maxFailedIndexes'), mfi, 'must be less than or equal to completions'));
    if (mfi !== undefined && mfi > MAX_FAILED_INDEXES_FOR_INDEXED_JOB)
      errs.push(invalid(p('maxFailedIndexes'), mfi, `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
    if (completions !== undefined && completions > COMPLETIONS_SOFT_LIMIT && blpi !== undefined) {
      const suffix = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
      if (mfi === undefined) errs.push(required(p('maxFailedIndexes'), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
      if (parallelism !== undefined && parallelism > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS)
        errs.push(invalid(p('parallelism'), parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${suffix}`));
      if (mfi !== undefined && mfi > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS)
        errs.push(invalid(p('maxFailedIndexes'), mfi, `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${suffix}`));
    }
  }
  if (mode === undefined || mode === 'NonIndexed') {
    if (blpi !== undefined) errs.push(invalid(p('backoffLimitPerIndex'), blpi, 'requires indexed completion mode'));
    if (mfi !== undefined) errs.push(invalid(p('maxFailedIndexes'), mfi, 'requires indexed completion mode'));
  }
  return errs;
}

function validatePodFailurePolicy(spec: JobSpecManifest, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.podFailurePolicy?.rules ?? [];
  const rulesPath = child(path, 'rules');
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const containerNames = new Set<string>();
  for (const c of [...(spec.template?.spec?.containers ?? []), ...(spec.template?.spec?.initContainers ?? [])])
    containerNames.add(c.name ?? '');
  rules.forEach((rule, i) => {
    const rulePath = index(rulesPath, i);
    const actionPath = child(rulePath, 'action');
    if (!rule.action) errs.push(required(actionPath, `valid values: ${goQuoteList(POD_FAILURE_POLICY_ACTIONS)}`));
    else if (rule.action === 'FailIndex') {
      if (spec.backoffLimitPerIndex === undefined)
        errs.push(invalid(actionPath, rule.action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!includes(POD_FAILURE_POLICY_ACTIONS, rule.action))
      errs.push(notSupported(actionPath, rule.action, POD_FAILURE_POLICY_ACTIONS));
    const conditions = rule.onPodConditions ?? [];
    if (rule.onExitCodes) pushAll(errs, validateOnExitCodes(rule.onExitCodes, child(rulePath, 'onExitCodes'), containerNames));
    if (conditions.length > 0) pushAll(errs, validateOnPodConditions(conditions, child(rulePath, 'onPodConditions')));
    if (rule.onExitCodes && conditions.length > 0)
      errs.push(invalidOmitValue(rulePath, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!rule.onExitCodes && conditions.length === 0)
      errs.push(invalidOmitValue(rulePath, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

type OnExitCodes = NonNullable<NonNullable<NonNullable<JobSpecManifest['podFailurePolicy']>['rules']>[number]['onExitCodes']>;
type OnPodConditions = NonNullable<NonNullable<NonNullable<JobSpecManifest['podFailurePolicy']>['rules']>[number]['onPodConditions']>;

function validateOnExitCodes(req: OnExitCodes, path: string, containerNames: ReadonlySet<string>): FieldError[] {
  const errs: FieldError[] = [];
  const operatorPath = child(path, 'operator');
  if (!req.operator) errs.push(required(operatorPath, `valid values: ${goQuoteList(ON_EXIT_CODES_OPERATORS)}`));
  else if (!includes(ON_EXIT_CODES_OPERATORS, req.operator)) errs.push(notSupported(operatorPath, req.operator, ON_EXIT_CODES_OPERATORS));
  if (req.containerName !== undefined && !containerNames.has(req.containerName))
    errs.push(invalid(child(path, 'containerName'), req.containerName, 'must be one of the container or initContainer names in the pod template'));
  const values = req.values ?? [];
  const valuesPath = child(path, 'values');
  if (values.length === 0) errs.push(invalid(valuesPath, values, 'at least one value is required'));
  else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(tooMany(valuesPath, values.length, MAX_ON_EXIT_CODES_VALUES));
  const seen = new Set<number>();
  let ordered = true;
  values.forEach((v, j) => {
    if (req.operator === 'In' && v === 0) errs.push(invalid(index(valuesPath, j), v, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(duplicate(index(valuesPath, j), v));
    else seen.add(v);
    if (j > 0 && (values[j - 1] ?? 0) > v) ordered = false;
  });
  if (!ordered) errs.push(invalid(valuesPath, values, 'must be ordered'));
  return errs;
}

function validateOnPodConditions(patterns: OnPodConditions, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(tooMany(path, patterns.length, MAX_ON_POD_CONDITIONS_PATTERNS));
  patterns.forEach((pattern, j) => {
    const patternPath = index(path, j);
    const type = pattern.type ?? '';
    pushAll(errs, isQualifiedName(type).map((m) => invalid(child(patternPath, 'type'), type, m)));
    const statusPath = child(patternPath, 'status');
    if (!pattern.status) errs.push(required(statusPath, `valid values: ${goQuoteList(CONDITION_STATUSES)}`));
    else if (!includes(CONDITION_STATUSES, pattern.status)) errs.push(notSupported(statusPath, pattern.status, CONDITION_STATUSES));
  });
  return errs;
}

function validateSuccessPolicy(spec: JobSpecManifest, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const rules = spec.successPolicy?.rules ?? [];
  const rulesPath = child(path, 'rules');
  if (rules.length === 0) errs.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_POLICY_RULES));
  // Indexed Jobs without completions are already reported; Kubernetes would not get this far.
  const completions = spec.completions;
  if (completions === undefined) return errs;
  rules.forEach((rule, i) => {
    const rulePath = index(rulesPath, i);
    if (rule.succeededCount === undefined && rule.succeededIndexes === undefined)
      errs.push(required(rulePath, 'at least one of succeededCount or succeededIndexes must be specified'));
    let total = 0;
    if (rule.succeededIndexes !== undefined) {
      const indexesPath = child(rulePath, 'succeededIndexes');
      if (utf8Length(rule.succeededIndexes) > MAX_SUCCEEDED_INDEXES_LENGTH)
        errs.push(tooLong(indexesPath, `must have at most ${MAX_SUCCEEDED_INDEXES_LENGTH} bytes`));
      const result = validateIndexesFormat(rule.succeededIndexes, completions);
      if (result.error !== undefined)
        errs.push(invalid(indexesPath, rule.succeededIndexes, `error parsing succeededIndexes: ${result.error}`));
      total = result.total;
    }
    if (rule.succeededCount !== undefined) {
      const countPath = child(rulePath, 'succeededCount');
      const count = rule.succeededCount;
      pushAll(errs, nonNegative(count, countPath));
      if (count > completions)
        errs.push(invalid(countPath, count, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (rule.succeededIndexes !== undefined && count > total)
        errs.push(invalid(countPath, count, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
    }
  });
  return errs;
}

function validatePodReplacementPolicy(spec: JobSpecManifest, path: string): FieldError[] {
  const policy = spec.podReplacementPolicy;
  if (policy === undefined) return [];
  if (spec.podFailurePolicy) return policy === 'Failed' ? [] : [notSupported(path, policy, ['Failed'])];
  return includes(POD_REPLACEMENT_POLICIES, policy) ? [] : [notSupported(path, policy, POD_REPLACEMENT_POLICIES)];
}
