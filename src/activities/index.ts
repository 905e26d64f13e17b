// The pod activity and the pieces of its process runtime that other layers may reuse.
export { createActivities, runtimeNotes, spawnFailure, DEADLINE_EXCEEDED_MESSAGE } from './run-pod';
export type { ActivitiesOptions, PodActivities } from './run-pod';
export { expand, lookupIn } from './expand';
export type { VarLookup } from './expand';
export { resolveContainer, containerEnv, fieldRefValue } from './env';
export type { PodFacts, ResolvedContainer, ResolveResult } from './env';
export { LogSink, TAIL_BYTES, ROTATE_BYTES } from './log-sink';
export type { LogTail, LogSinkOptions } from './log-sink';
export { spawnGroup, ProcessGroup, signalExitCode, longTimer } from './process-group';
export type { ExitStatus, SpawnGroupOptions, SpawnOutcome, LongTimer } from './process-group';
