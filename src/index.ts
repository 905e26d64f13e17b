// durable-jobs: Kubernetes batch/v1 Jobs, run durably on Temporal.
//
//   import { JobsClient, connect, parseManifests } from 'durable-jobs';
//   const jobs = new JobsClient(await connect());          // TEMPORAL_ADDRESS etc., else 127.0.0.1:7233
//   await jobs.createAll(fs.readFileSync('job.yaml', 'utf8'));
//   await jobs.wait('default', 'pi', 'complete', 120_000);
//
// This entry point is the client (src/client/index.ts lists it). Workers are a separate entry point,
// `durable-jobs/worker`, because they load Temporal's native worker; tests of your own Jobs use
// `durable-jobs/testing`.
export * from './client';
