// The two ways a manifest is refused, worded as kubectl words them.
import { CAUSE_TYPES, errorBody, type FieldError, uniqueMessages } from './field-errors';
import { goQuote } from './go-format';

export type ManifestErrorReason =
  /** The text is not valid YAML. */
  | 'YAMLError'
  /** No object in the input. */
  | 'Empty'
  /** Missing or unknown apiVersion/kind, or not an object at all. */
  | 'UnknownKind'
  /** The object does not decode into a Job: wrong types or unknown fields (the API server's BadRequest). */
  | 'BadRequest'
  /** Over the request size limit (3 MiB), as text or once YAML aliases are expanded (HTTP 413). */
  | 'RequestEntityTooLarge'
  /** Not UTF-8. */
  | 'InvalidEncoding'
  /** Nested deeper than MAX_NESTING_DEPTH. */
  | 'TooDeep'
  /** More than MAX_MANIFEST_OBJECTS documents or List items. */
  | 'TooMany';

/**
 * A manifest that could not be read as a Job at all (before validation). kubectl prints these as
 * `error: <message>`; the message never starts with "error: " itself.
 */
export class ManifestError extends Error {
  constructor(
    message: string,
    readonly reason: ManifestErrorReason,
    readonly source?: string,
    /** 1-based position of a YAML syntax error. */
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

/** A Status object as the API server returns it for an invalid Job (HTTP 422). */
export interface InvalidStatus {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  message: string;
  reason: 'Invalid';
  code: 422;
  details: {
    name: string;
    group: 'batch';
    kind: 'Job' | 'CronJob';
    causes: Array<{ reason: string; message: string; field: string }>;
  };
}

/**
 * A Job that decodes but breaks Kubernetes' validation rules. `message` is what kubectl prints:
 * `The Job "pi" is invalid: <field>: <error>` for one error, and for several
 * `The Job "x" is invalid: \n* <field>: <error>\n* <field>: <error>` (kubectl's MultilineError).
 * `statusMessage` is the API server's own Status.message: `Job.batch "x" is invalid: [a, b]`.
 */
export class JobValidationError extends Error {
  readonly statusMessage: string;

  constructor(
    readonly jobName: string,
    readonly errors: FieldError[],
    readonly source?: string,
    /** The kind in the messages: a CronJob is refused in the same words. */
    readonly kind: 'Job' | 'CronJob' = 'Job',
  ) {
    const messages = uniqueMessages(errors);
    const prefix = `The ${kind} ${goQuote(jobName)} is invalid: `;
    super(messages.length === 1 ? prefix + messages[0] : `${prefix}\n${messages.map((m) => `* ${m}`).join('\n')}`);
    this.name = 'JobValidationError';
    const aggregate = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`;
    this.statusMessage = `${kind}.batch ${goQuote(jobName)} is invalid: ${aggregate}`;
  }

  toStatus(): InvalidStatus {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: this.statusMessage,
      reason: 'Invalid',
      code: 422,
      details: {
        name: this.jobName,
        group: 'batch',
        kind: this.kind,
        causes: this.errors.map((e) => ({
          reason: CAUSE_TYPES[e.type],
          message: errorBody(e),
          field: e.field,
        })),
      },
    };
  }
}
