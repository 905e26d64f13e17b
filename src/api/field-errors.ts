// Field-level validation errors, shaped and printed like k8s.io/apimachinery's field.Error so that a user
// who knows kubectl's messages recognises ours word for word.
import { goQuote, goValue } from './go-format';

/** The printed form of Kubernetes' field.ErrorType (what appears in messages). */
export type FieldErrorType =
  | 'Not found'
  | 'Required value'
  | 'Duplicate value'
  | 'Invalid value'
  | 'Unsupported value'
  | 'Forbidden'
  | 'Too long'
  | 'Too many'
  | 'Internal error';

export interface FieldError {
  /** Path as Kubernetes prints it: `spec.template.spec.containers[0].name`, `metadata.labels[key]`. */
  field: string;
  type: FieldErrorType;
  /**
   * The offending value. Absent when Kubernetes does not print one (Required, Forbidden, Too long, and
   * Invalid errors that omit the value).
   */
  value?: unknown;
  detail: string;
}

/** Kubernetes' machine-readable CauseType for each error type (Status.details.causes[].reason). */
export const CAUSE_TYPES: Record<FieldErrorType, string> = {
  'Not found': 'FieldValueNotFound',
  'Required value': 'FieldValueRequired',
  'Duplicate value': 'FieldValueDuplicate',
  'Invalid value': 'FieldValueInvalid',
  'Unsupported value': 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  'Too long': 'FieldValueTooLong',
  'Too many': 'FieldValueTooMany',
  'Internal error': 'InternalError',
};

// Path builders matching field.Path.String().
export const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
export const index = (path: string, i: number): string => `${path}[${i}]`;
export const key = (path: string, k: string): string => `${path}[${k}]`;

export const required = (field: string, detail = ''): FieldError => ({ field, type: 'Required value', detail });
export const forbidden = (field: string, detail: string): FieldError => ({ field, type: 'Forbidden', detail });
export const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  field,
  type: 'Invalid value',
  value,
  detail,
});
/** field.Invalid with field.OmitValueType{}: the message shows no value. */
export const invalidOmitValue = (field: string, detail: string): FieldError => ({ field, type: 'Invalid value', detail });
export const duplicate = (field: string, value: unknown): FieldError => ({ field, type: 'Duplicate value', value, detail: '' });
export const notFound = (field: string, value: unknown): FieldError => ({ field, type: 'Not found', value, detail: '' });
export const notSupported = (field: string, value: unknown, supported: readonly string[]): FieldError => ({
  field,
  type: 'Unsupported value',
  value,
  detail: supported.length > 0 ? `supported values: ${supported.map(goQuote).join(', ')}` : '',
});
/** field.TooLong: Kubernetes omits the (long) value from the message. */
export const tooLong = (field: string, detail: string): FieldError => ({ field, type: 'Too long', detail });
export const tooMany = (field: string, actual: number, max: number): FieldError => ({
  field,
  type: 'Too many',
  value: actual,
  detail: `must have at most ${max} items`,
});

/** field.Error.ErrorBody(): the message without the field path. */
export function errorBody(e: FieldError): string {
  const showsValue =
    Object.prototype.hasOwnProperty.call(e, 'value') &&
    e.type !== 'Required value' &&
    e.type !== 'Forbidden' &&
    e.type !== 'Too long' &&
    e.type !== 'Internal error';
  let s: string = e.type;
  if (showsValue) s += `: ${goValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

/** field.Error.Error(): `<field>: <body>`. */
export function formatFieldError(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

/** Messages of a list with exact duplicates removed, in order (as ErrorList.ToAggregate and kubectl do). */
export function uniqueMessages(errors: readonly FieldError[]): string[] {
  return [...new Set(errors.map(formatFieldError))];
}

/**
 * `into.push(...items)` without the spread: a spread passes every item as an argument, and a manifest
 * with 150,000 bad labels overflowed the stack with it.
 */
export function pushAll<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}
