// Replays recorded `job` workflow histories (test/fixtures/histories, made by test/record-histories.ts)
// against the current workflow code: a change that alters the commands the workflow issues for an
// existing history (non-determinism) fails here instead of breaking running Jobs after a deploy.
// If such a change is intended, guard it with `patched()` so old histories still replay; re-record
// (`node dist/test/record-histories.js [name]`) only for changes that no running Job can have seen.
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { cachedWorkflowBundle, type WorkflowBundleFile } from '../src/workflow-bundle';
import { historyFromJSONObject, type History } from './fixtures/history-json';
import { HISTORIES_DIR, RECORDINGS } from './record-histories';
import { cachedTestBundle } from './helpers/test-bundle';

const FIXTURES = fs
  .readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => path.basename(f, '.json'))
  .sort();

function load(name: string): History {
  return historyFromJSONObject(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, `${name}.json`), 'utf8')));
}

const EventType = temporal.api.enums.v1.EventType;

/** `<recording>.run<N>` is one run of a recording that continued as new. */
function recordingOf(fixture: string): string {
  return fixture.replace(/\.run\d+$/, '');
}

/** Whether another run of the same recording follows this one. */
function continues(fixture: string): boolean {
  const m = /^(.*)\.run(\d+)$/.exec(fixture);
  return m !== null && FIXTURES.includes(`${m[1]}.run${Number(m[2]) + 1}`);
}

function eventTypes(history: History): string[] {
  // The generated enum maps numbers back to names.
  return (history.events ?? []).map((e) => String(EventType[e.eventType ?? 0]));
}

function count(types: string[], type: string): number {
  return types.filter((t) => t === `EVENT_TYPE_${type}`).length;
}

/** What each recording is there to exercise; a re-recording that loses it should not pass silently. */
const EXPECTED_SHAPE: Record<string, (types: string[]) => void> = {
  'one-pod-success': (t) => {
    assert.equal(count(t, 'ACTIVITY_TASK_COMPLETED'), 1);
  },
  // A pod that exits non-zero is a completed activity whose result says Failed.
  'backoff-failed': (t) => {
    assert.equal(count(t, 'ACTIVITY_TASK_COMPLETED'), 3);
    assert.ok(count(t, 'TIMER_FIRED') >= 2, 'the backoff delays are timers');
  },
  // After the Web UI change: a failed pod is a failed activity, and a Failed Job fails its workflow.
  'failed-workflow': (t) => {
    assert.equal(count(t, 'ACTIVITY_TASK_FAILED'), 2);
    assert.equal(count(t, 'ACTIVITY_TASK_COMPLETED'), 0);
    assert.equal(t[t.length - 1], 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
  },
  'indexed-parallel': (t) => {
    assert.equal(count(t, 'ACTIVITY_TASK_COMPLETED'), 3);
    const firstTask = t.indexOf('EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
    assert.equal(t[firstTask + 1], 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    assert.equal(t[firstTask + 2], 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED', 'two pods start at once (parallelism 2)');
  },
  // Workers batch start announcements: both pods' starts arrive in one podsStarted signal.
  'pods-started-batch': (t) => {
    assert.equal(count(t, 'MARKER_RECORDED'), 2, 'the pacing-and-continue-as-new and next-task-for-held-starts patch markers');
    assert.equal(count(t, 'ACTIVITY_TASK_COMPLETED'), 2);
    assert.equal(count(t, 'WORKFLOW_EXECUTION_SIGNALED'), 1, 'one signal for two pods');
  },
  'deadline-exceeded': (t) => {
    assert.equal(count(t, 'ACTIVITY_TASK_CANCEL_REQUESTED'), 1);
    assert.equal(count(t, 'ACTIVITY_TASK_CANCELED'), 1);
  },
  // The first run passed its threshold while its two pods ran: it started no more, drained them, handed over.
  'continue-as-new.run1': (t) => {
    assert.equal(count(t, 'MARKER_RECORDED'), 1, 'the pacing-and-continue-as-new patch marker');
    assert.equal(count(t, 'ACTIVITY_TASK_SCHEDULED'), 2);
    assert.equal(count(t, 'ACTIVITY_TASK_COMPLETED'), 2);
  },
  'onfailure-restart': (t) => {
    assert.equal(count(t, 'ACTIVITY_TASK_COMPLETED'), 2, 'two runs of the one pod');
    assert.ok(count(t, 'TIMER_FIRED') >= 1, 'the crash-loop delay is a timer');
  },
};

describe('replaying recorded job histories', () => {
  let bundle: WorkflowBundleFile;
  const results = new Map<string, Error | undefined>();

  before(async () => {
    // The negative case below makes the SDK core log the (expected) nondeterminism at WARN: keep it quiet.
    if (!Runtime._instance) {
      Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } } });
    }
    bundle = await cachedWorkflowBundle();
    const histories = FIXTURES.map((name) => ({ workflowId: name, history: load(name) }));
    for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
      results.set(r.workflowId, r.error);
    }
  });

  it('has a fixture for every recording, each a complete workflow history', () => {
    assert.deepEqual([...new Set(FIXTURES.map(recordingOf))], RECORDINGS.map((r) => r.name).sort());
    assert.ok(FIXTURES.filter((f) => recordingOf(f) === 'continue-as-new').length >= 2, 'a multi-run recording');
    for (const name of FIXTURES) {
      const types = eventTypes(load(name));
      assert.equal(types[0], 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', name);
      // A Failed Job's workflow fails (since the Web UI change); earlier recordings completed with a Failed Job.
      const closed = name === 'failed-workflow' ? 'EVENT_TYPE_WORKFLOW_EXECUTION_FAILED' : 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED';
      const end = continues(name) ? 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW' : closed;
      assert.equal(types[types.length - 1], end, name);
      // No run closes with a pod still pending: the ones it started all ended in it.
      assert.equal(count(types, 'ACTIVITY_TASK_SCHEDULED'), count(types, 'ACTIVITY_TASK_COMPLETED') + count(types, 'ACTIVITY_TASK_FAILED') + count(types, 'ACTIVITY_TASK_CANCELED'), name);
      // Since starts are announced in batches, a pod that ends within the batch's second sends none.
      if (name !== 'failed-workflow') assert.ok(count(types, 'WORKFLOW_EXECUTION_SIGNALED') >= 1, `${name}: pods announce their start by signal`);
      EXPECTED_SHAPE[name]?.(types);
    }
  });

  for (const name of FIXTURES) {
    it(`replays ${name} without a determinism error`, () => {
      assert.ok(results.has(name), `${name} was not replayed`);
      const error = results.get(name);
      assert.equal(error, undefined, `${name}: ${error?.stack ?? error}`);
    });
  }

  it('reports a DeterminismViolationError when the workflow issues different commands', async () => {
    const changed = await cachedTestBundle(require.resolve('./fixtures/nondeterministic-workflows'));
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: changed }, load('one-pod-success'), 'one-pod-success'),
      (err: unknown) => {
        assert.ok(err instanceof DeterminismViolationError, `expected a DeterminismViolationError, got ${String(err)}`);
        assert.match(err.message, /nondetermin/i);
        return true;
      },
    );
  });
});
