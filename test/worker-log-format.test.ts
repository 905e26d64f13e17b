// The worker's log lines (text and --log-format json) and levels, the pod end line's outcome, what the
// pod metrics record, and the metrics address check: pure, no runtime and no server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { outcomeOf, PodMetrics, podEndedLine, podStartedLine } from '../src/activities/pod-metrics';
import type { RunPodInput, RunPodResult } from '../src/api/pod';
import { LOG_FORMAT_CHOICES, LOG_LEVEL_CHOICES } from '../src/cli/telemetry';
import { checkAddress, formatJsonLog, LOG_FORMATS, sdkLogLevel, WORKER_LOG_LEVELS, workerLog } from '../src/runtime-logging';

const NOW = new Date('2026-01-02T03:04:05.678Z');
const input = { podName: 'pi-0-x7k2p', namespace: 'prod', jobName: 'pi' } as RunPodInput;

function failed(exitCode: number, reason: RunPodResult['containers'][number]['reason'] = 'Error'): RunPodResult {
  return {
    phase: 'Failed',
    worker: 'w',
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    containers: [{ name: 'main', init: false, exitCode, reason, startedAt: '', finishedAt: '', logTail: '', logTruncated: false }],
  };
}

describe('worker log lines', () => {
  it('json: one object per line, time, level and msg first, the fields flat and unable to replace them', () => {
    const line = formatJsonLog(NOW, 'INFO', 'pod pi-0 started', { pod: 'pi-0', msg: 'spoof', time: 'x', exitCode: null });
    assert.ok(!line.includes('\n'));
    assert.deepEqual(JSON.parse(line), { time: '2026-01-02T03:04:05.678Z', level: 'info', msg: 'pod pi-0 started', pod: 'pi-0', exitCode: null });
    assert.deepEqual(Object.keys(JSON.parse(line) as object).slice(0, 3), ['time', 'level', 'msg']);
    assert.ok(!formatJsonLog(NOW, 'warn', 'a\nb').includes('\n'), 'a newline in a message breaks no line');
    assert.equal(JSON.parse(formatJsonLog(NOW, 'warn', 'm', { id: 12n })).id, '12');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.deepEqual(JSON.parse(formatJsonLog(NOW, 'warn', 'm', { circular })), { time: NOW.toISOString(), level: 'warn', msg: 'm' });
  });

  it('per-pod lines are info, notes are warn; the level filters them and the format shapes them', () => {
    const [startMsg, startFields] = podStartedLine(input);
    const print = (level: (typeof WORKER_LOG_LEVELS)[number], format: (typeof LOG_FORMATS)[number]) => {
      const out: string[] = [];
      const log = workerLog({ level, format, write: (l) => out.push(l), now: () => NOW });
      log('a note');
      log(startMsg, startFields);
      return out;
    };
    assert.deepEqual(print('warn', 'text'), ['a note']);
    assert.deepEqual(print('error', 'text'), []);
    assert.deepEqual(print('info', 'text'), ['a note', 'pod pi-0-x7k2p started (job prod/pi)']);
    const json = print('debug', 'json').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(json, [
      { time: NOW.toISOString(), level: 'warn', msg: 'a note' },
      { time: NOW.toISOString(), level: 'info', msg: 'pod pi-0-x7k2p started (job prod/pi)', event: 'pod-started', pod: 'pi-0-x7k2p', namespace: 'prod', job: 'pi' },
    ]);
  });

  it('the end line says the phase, reason, exit code and duration', () => {
    const [msg, fields] = podEndedLine(input, outcomeOf(failed(137, 'OOMKilled'), 2_345, false));
    assert.equal(msg, 'pod pi-0-x7k2p Failed OOMKilled exit 137 after 2.3s (job prod/pi)');
    assert.deepEqual(fields, { event: 'pod-ended', pod: 'pi-0-x7k2p', namespace: 'prod', job: 'pi', phase: 'Failed', reason: 'OOMKilled', exitCode: 137, durationMs: 2345 });
    assert.equal(outcomeOf({ ...failed(0), reason: 'DeadlineExceeded' }, 1, false).reason, 'DeadlineExceeded');
    assert.equal(outcomeOf(failed(143), 1, true).phase, 'Cancelled');
    assert.deepEqual(outcomeOf(undefined, 1, false), { phase: 'Failed', reason: 'WorkerError', durationMs: 1 });
  });

  it("the SDK's INFO (every worker state change) shows only at debug", () => {
    assert.deepEqual(WORKER_LOG_LEVELS.map(sdkLogLevel), ['ERROR', 'WARN', 'WARN', 'DEBUG']);
  });

  it("the CLI's choices are the worker's", () => {
    assert.deepEqual([...LOG_FORMAT_CHOICES], [...LOG_FORMATS]);
    assert.deepEqual([...LOG_LEVEL_CHOICES], [...WORKER_LOG_LEVELS]);
  });

  it('a metrics address is IP:PORT, as the SDK takes it', () => {
    for (const ok of ['127.0.0.1:9464', '0.0.0.0:1', '[::1]:9464', '[::]:9464']) assert.equal(checkAddress(ok), ok);
    for (const bad of ['9464', '127.0.0.1', '127.0.0.1:99999', 'http://127.0.0.1:9464', ':9464', '1.2.3.4:x', 'localhost:9464', '::1:9464', '1.2.3:9464']) {
      assert.throws(() => checkAddress(bad), /is not IP:PORT/, bad);
    }
  });
});

/** A meter that keeps what is recorded: `name value {tags}` strings, in order. */
function recordingMeter(): { meter: MetricMeter; seen: string[] } {
  const seen: string[] = [];
  const instrument = (name: string) => {
    const put = (value: number, tags?: MetricTags) => seen.push(`${name} ${value}${tags ? ` ${JSON.stringify(tags)}` : ''}`);
    return { name, add: put, record: put, set: put };
  };
  const meter = { createCounter: instrument, createHistogram: instrument, createGauge: instrument } as unknown as MetricMeter;
  return { meter, seen };
}

describe('pod metrics', () => {
  it('count starts and ends by phase and reason, track running pods against the cap, and count containers that could not start', () => {
    const { meter, seen } = recordingMeter();
    const metrics = new PodMetrics(meter, 5);
    assert.deepEqual(seen, ['durable_jobs_pods_max 5']);
    const tags = { job_namespace: 'prod', job_name: 'pi' };
    const t = JSON.stringify(tags);
    seen.length = 0;
    metrics.podStarted(input);
    metrics.podStarted(input);
    metrics.podEnded(input, outcomeOf(failed(127, 'ContainerCannotRun'), 1500, false));
    metrics.podEnded(input, outcomeOf(failed(143), 250, true));
    assert.deepEqual(seen, [
      `durable_jobs_pods_started 1 ${t}`,
      'durable_jobs_pods_running 1',
      `durable_jobs_pods_started 1 ${t}`,
      'durable_jobs_pods_running 2',
      'durable_jobs_pods_running 1',
      `durable_jobs_pod_duration 1.5 ${JSON.stringify({ ...tags, phase: 'Failed' })}`,
      `durable_jobs_pods_failed 1 ${JSON.stringify({ ...tags, reason: 'ContainerCannotRun' })}`,
      `durable_jobs_sandbox_start_failures 1 ${t}`,
      'durable_jobs_pods_running 0',
      `durable_jobs_pod_duration 0.25 ${JSON.stringify({ ...tags, phase: 'Cancelled' })}`,
      `durable_jobs_pods_cancelled 1 ${t}`,
    ]);
  });
});
