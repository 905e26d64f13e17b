// Every error as kubectl would word it on stderr, and its exit code; never a stack trace for user errors.
import {
  AlreadyExistsError,
  ConditionUnreachableError,
  ConnectionError,
  InvalidError,
  JobFinishedError,
  JobValidationError,
  LogsError,
  ManifestError,
  NotFoundError,
  SelectorParseError,
  WaitTimeoutError,
} from '../client';
import { CliError } from './output';

export function describeError(err: unknown): { message: string; code: number } {
  if (err instanceof CliError) return { message: err.message, code: err.exitCode };
  // These already read as kubectl prints them.
  if (
    err instanceof NotFoundError ||
    err instanceof AlreadyExistsError ||
    err instanceof JobFinishedError ||
    err instanceof WaitTimeoutError ||
    err instanceof ConditionUnreachableError ||
    err instanceof LogsError
  ) {
    return { message: err.message, code: 1 };
  }
  // kubectl prints an API server's Invalid as `The Job "x" is invalid: ...`, and a client-side one the same.
  if (err instanceof InvalidError || err instanceof JobValidationError) return { message: err.message, code: 1 };
  if (err instanceof ManifestError) return { message: `error: ${err.message}`, code: 1 };
  if (err instanceof SelectorParseError) return { message: `error: ${err.message}`, code: 1 };
  if (err instanceof ConnectionError) return { message: `error: ${err.message}`, code: 1 };
  if (err instanceof Error) return { message: `error: ${err.message}`, code: 1 };
  return { message: `error: ${String(err)}`, code: 1 };
}
