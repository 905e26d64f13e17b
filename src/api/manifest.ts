// Reading Job manifests: multi-document YAML (kubectl's format) -> decoded -> defaulted -> validated Job.
import { LineCounter, parseAllDocuments } from 'yaml';
import { applyJobDefaults } from './defaults';
import { JobValidationError, ManifestError } from './errors';
import { pushAll } from './field-errors';
import {
  MAX_MANIFEST_OBJECTS,
  MAX_NESTING_DEPTH,
  YAML_PARSE_OPTIONS,
  checkManifestText,
  checkValueLimits,
  checkYamlNesting,
  firstDuplicateKey,
} from './input-limits';
import { tooMany } from './value-limits';
import { decodeJobManifest } from './job-schema';
import { toJob } from './to-job';
import type { Job } from './types';
import { validateJob } from './validation';
import type { CronJob } from './cronjob';
import { decodeCronJobManifest } from './cronjob-schema';
import { applyCronJobDefaults, toCronJob, validateCronJob } from './cronjob-validation';

/** kubectl's line on stderr for the seeds' `batch/v1beta1` CronJobs (the API server's deprecation warning). */
export const CRONJOB_V1BETA1_WARNING = 'batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JSON has no undefined and Kubernetes' decoder treats `null` as "not set", so both are dropped from objects. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = withoutNulls(x);
  return out;
}

/** The apiVersion/kind check kubectl and the API server make before decoding. */
function checkKind(obj: Record<string, unknown>, source: string | undefined): 'Job' | 'CronJob' {
  const from = source ? `unable to decode ${JSON.stringify(source)}: ` : '';
  const json = JSON.stringify(obj);
  const { apiVersion, kind } = obj;
  if (typeof kind !== 'string' || kind === '') throw new ManifestError(`${from}Object 'Kind' is missing in '${json}'`, 'UnknownKind', source);
  if (typeof apiVersion !== 'string' || apiVersion === '')
    throw new ManifestError(`${from}Object 'apiVersion' is missing in '${json}'`, 'UnknownKind', source);
  if (apiVersion === 'batch/v1' && kind === 'Job') return 'Job';
  if ((apiVersion === 'batch/v1' || apiVersion === 'batch/v1beta1') && kind === 'CronJob') return 'CronJob';
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  const where = source
    ? `resource mapping not found for name: ${JSON.stringify(name)} namespace: ${JSON.stringify(namespace)} from ${JSON.stringify(source)}: `
    : '';
  throw new ManifestError(`${where}no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}`, 'UnknownKind', source);
}

function objectFrom(obj: unknown, source: string | undefined): Record<string, unknown> {
  if (!isObject(obj)) {
    const what = Array.isArray(obj) ? 'array' : obj === null ? 'null' : typeof obj;
    throw new ManifestError(
      `${source ? `unable to decode ${JSON.stringify(source)}: ` : ''}expected a Kubernetes object (a YAML mapping), got ${what}`,
      'UnknownKind',
      source,
    );
  }
  return obj;
}

function parseJobFrom(input: unknown, source: string | undefined): Job {
  const obj = objectFrom(input, source);
  if (checkKind(obj, source) === 'CronJob') {
    const name = isObject(obj.metadata) && typeof obj.metadata.name === 'string' ? obj.metadata.name : '';
    throw new ManifestError(
      `CronJob ${JSON.stringify(name)} runs on its schedule: create it with \`jobctl apply -f\` (parseObjects); this reads Jobs only`,
      'UnknownKind',
      source,
    );
  }
  return jobFrom(obj, source);
}

function jobFrom(obj: Record<string, unknown>, source: string | undefined): Job {
  const decoded = decodeJobManifest(withoutNulls(obj), source);
  const defaulted = applyJobDefaults(decoded);
  const errors = validateJob(defaulted);
  if (errors.length > 0) throw new JobValidationError(defaulted.metadata?.name ?? '', errors, source);
  return toJob(defaulted, decoded.spec?.backoffLimit !== undefined);
}

/**
 * One Job from a plain object (e.g. JSON): decoded strictly, defaulted and validated as the API server
 * would. Throws ManifestError (not a Job, wrong types, unknown fields) or JobValidationError.
 * The result has no uid yet: see withControllerUid.
 */
export function parseJob(obj: unknown): Job {
  checkValueLimits(obj);
  return parseJobFrom(obj, undefined);
}

function cronJobFrom(obj: Record<string, unknown>, source: string | undefined): CronJob {
  // v1beta1 has the same fields; it is read as v1 (after kubectl's warning, see parseObjects).
  const decoded = decodeCronJobManifest({ ...(withoutNulls(obj) as Record<string, unknown>), apiVersion: 'batch/v1' }, source);
  const defaulted = applyCronJobDefaults(decoded);
  const errors = validateCronJob(defaulted);
  if (errors.length > 0) throw new JobValidationError(defaulted.metadata?.name ?? '', errors, source, 'CronJob');
  return toCronJob(defaulted);
}

/** One CronJob (batch/v1 or v1beta1) from a plain object, decoded, defaulted and validated. */
export function parseCronJob(obj: unknown): CronJob {
  const o = objectFrom(obj, undefined);
  if (checkKind(o, undefined) !== 'CronJob') throw new ManifestError('expected a CronJob, got a Job', 'UnknownKind');
  return cronJobFrom(o, undefined);
}

/** Objects of a `kind: List` (what `kubectl get -o yaml` prints for several objects) are read one by one. */
function flattenLists(obj: unknown): unknown[] {
  if (isObject(obj) && obj.kind === 'List' && obj.apiVersion === 'v1' && Array.isArray(obj.items)) return obj.items.flatMap(flattenLists);
  return [obj];
}

/**
 * All Jobs in a YAML text of one or more documents (`---`), empty documents skipped. `source` (usually
 * the file name) is used in messages. Throws on the first problem, as ManifestError or
 * JobValidationError; an input with no object at all is "no objects passed to apply", as in kubectl.
 */
export function parseManifests(text: string, source?: string): Job[] {
  return readObjects(text, source).map((obj) => parseJobFrom(obj, source));
}

export interface ParsedObjects {
  /** Jobs and CronJobs, in the order of the text. */
  objects: Array<Job | CronJob>;
  /** What kubectl prints as `Warning: ...` on stderr (deprecated API versions). */
  warnings: string[];
}

/** Jobs and CronJobs of a YAML text (mixed freely), all validated before this returns; see parseManifests. */
export function parseObjects(text: string, source?: string): ParsedObjects {
  const warnings: string[] = [];
  const objects = readObjects(text, source).map((input) => {
    const obj = objectFrom(input, source);
    if (checkKind(obj, source) === 'Job') return jobFrom(obj, source);
    if (obj.apiVersion === 'batch/v1beta1' && !warnings.includes(CRONJOB_V1BETA1_WARNING)) warnings.push(CRONJOB_V1BETA1_WARNING);
    return cronJobFrom(obj, source);
  });
  return { objects, warnings };
}

function readObjects(text: string, source: string | undefined): unknown[] {
  // Limits first: the parser and everything after it recurse and copy (./input-limits.ts).
  checkManifestText(text, source);
  checkYamlNesting(text, source);
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { schema: 'yaml-1.1', logLevel: 'error', prettyErrors: true, lineCounter, ...YAML_PARSE_OPTIONS });
  const name = source ?? '<input>';
  const objects: unknown[] = [];
  let expanded = 0;
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const [pos] = error.linePos ?? [];
      const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? error.message;
      const at = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
      // The parser reports its own stack overflow as a syntax error; it can only mean nesting.
      if (error.message.includes('Maximum call stack size exceeded'))
        throw new ManifestError(
          `error parsing ${name}: yaml: ${at}nested more than ${MAX_NESTING_DEPTH} levels deep (the limit for a manifest)`,
          'TooDeep',
          source,
          pos?.line,
          pos?.col,
        );
      throw new ManifestError(`error parsing ${name}: yaml: ${at}${message}`, 'YAMLError', source, pos?.line, pos?.col);
    }
    const dup = firstDuplicateKey(doc);
    if (dup !== undefined) {
      const { line, col } = lineCounter.linePos(dup);
      throw new ManifestError(`error parsing ${name}: yaml: line ${line}, column ${col}: Map keys must be unique`, 'YAMLError', source, line, col);
    }
    // Kubernetes' YAML is YAML 1.1 (sigs.k8s.io/yaml); an empty or comment-only document is skipped.
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // Alias problems (unknown anchors, alias bombs) only surface when the document is converted.
      throw new ManifestError(`error parsing ${name}: yaml: ${e instanceof Error ? e.message : String(e)}`, 'YAMLError', source);
    }
    if (value === null || value === undefined) continue;
    expanded = checkValueLimits(value, source, expanded);
    pushAll(objects, flattenLists(value));
    if (objects.length > MAX_MANIFEST_OBJECTS) throw tooMany(source, 'objects');
  }
  if (objects.length === 0) throw new ManifestError('no objects passed to apply', 'Empty', source);
  return objects;
}
