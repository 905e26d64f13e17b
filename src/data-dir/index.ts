// A worker's data directory on its host: where it is, how pod logs are laid out in it, and the writer
// mark beside a log being written. Node only, no Temporal: the worker side writes it, the client reads it.
export { defaultDataDir, latestLogRestart, podLogFile, safeSegment } from './layout';
export { logWriterAlive, writeWriterMark, writerMarkFile, type WriterMark } from './writer-mark';
