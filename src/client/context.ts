// What the client's parts share: the Temporal client, the task queue new Jobs go to, how long to wait
// for a worker, and whether the Job search attributes exist.
import type { Client } from '@temporalio/client';
import type { SearchAttributeSupport } from './search-attributes';

export interface ClientContext {
  readonly client: Client;
  readonly taskQueue: string;
  readonly workerTimeoutMs: number;
  searchAttributes(): Promise<SearchAttributeSupport>;
}
