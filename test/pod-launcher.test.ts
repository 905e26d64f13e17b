// The pod launcher (src/activities/launcher-*.ts): a real launcher process, real process groups and
// signals. What it must keep from in-process spawning: exit codes, signals, grace periods, output in
// the log file and tail; and what it adds: pods die with it, and it dies with its worker.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LauncherProcess } from '../src/activities/launcher-process';
import { parseEvent, parseRequest } from '../src/activities/launcher-protocol';
import type { SpawnRequest } from '../src/activities/pod-launcher';
import { listHostRoot, privileged, sandboxArgv, sandboxSupport } from '../src/activities/sandbox';
import { eventually, killAll, processesWith, token } from './helpers/procs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-launcher-'));
const launchers: LauncherProcess[] = [];
const words: string[] = [];

after(async () => {
  for (const l of launchers) await l.close();
  for (const w of words) killAll(w);
  fs.rmSync(root, { recursive: true, force: true });
});

function launcher(): LauncherProcess {
  const l = new LauncherProcess();
  launchers.push(l);
  return l;
}

function uniqueWord(): string {
  const word = token() + String(words.length);
  words.push(word);
  return word;
}

let logs = 0;
function sh(script: string): SpawnRequest {
  return { file: 'sh', args: ['-c', script], env: { PATH: process.env.PATH ?? '/bin:/usr/bin' }, logFile: path.join(root, `c${logs++}.log`) };
}

function parentOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('launcher protocol', () => {
  it('accepts well-formed requests and events', () => {
    assert.deepEqual(parseRequest({ op: 'terminate', id: 3, graceMs: 0 }), { ok: true, value: { op: 'terminate', id: 3, graceMs: 0 } });
    const spawnReq = { op: 'spawn', id: 1, file: 'true', args: [], env: { A: 'b' }, logFile: '/x.log', sandboxInit: true, cgroupProcs: ['/c/cgroup.procs'] };
    assert.deepEqual(parseRequest(spawnReq), { ok: true, value: spawnReq });
    const done = { ev: 'done', id: 2, code: null, signal: 'SIGTERM', tail: { text: 'x', truncated: false }, logFile: '/x.log' };
    assert.deepEqual(parseEvent(done), { ok: true, value: done });
  });

  it('rejects malformed messages, naming the field', () => {
    assert.deepEqual(parseRequest({ op: 'spawn', id: 1, file: 'true', args: [1], env: {}, logFile: '/x' }), {
      ok: false,
      message: 'args: not an array of strings',
    });
    assert.deepEqual(parseRequest({ op: 'spawn', id: 1, file: 'true', args: [], env: {}, logFile: '/x', cgroupProcs: '/c/cgroup.procs' }), {
      ok: false,
      message: 'cgroupProcs: not an array of strings',
    });
    assert.deepEqual(parseRequest({ op: 'terminate', id: 1, graceMs: -1 }), { ok: false, message: 'graceMs: not a number >= 0' });
    assert.deepEqual(parseRequest({ op: 'kill', id: 0 }), { ok: false, message: 'id: not a positive integer' });
    assert.deepEqual(parseRequest({ op: 'exec', id: 1 }), { ok: false, message: 'op: unknown "exec"' });
    assert.deepEqual(parseEvent({ ev: 'done', id: 1, code: 1.5, signal: null, tail: { text: '', truncated: false } }), {
      ok: false,
      message: 'code: not an integer or null',
    });
    assert.deepEqual(parseEvent({ ev: 'done', id: 1, code: null, signal: 'TERM', tail: { text: '', truncated: false } }), {
      ok: false,
      message: 'signal: not a signal name or null',
    });
    assert.deepEqual(parseEvent(null), { ok: false, message: 'not an object' });
  });
});

describe('LauncherProcess', { timeout: 120_000 }, () => {
  it('runs a process group in the launcher: exit code, output in the log file and the tail', async () => {
    const l = launcher();
    const req = sh('echo out; echo err >&2; exit 3');
    const spawned = await l.spawn(req, () => undefined);
    assert.ok(spawned.ok);
    const exit = await spawned.group.done;
    assert.equal(exit.code, 3);
    assert.equal(exit.signal, null);
    assert.equal(exit.log.file, req.logFile);
    assert.match(exit.log.tail.text, /out\n/);
    assert.match(exit.log.tail.text, /err\n/);
    assert.equal(fs.readFileSync(req.logFile, 'utf8'), exit.log.tail.text);
    assert.equal(spawned.group.exited, true);
  });

  it('spawns from the launcher process, not from this one', async () => {
    const l = launcher();
    const spawned = await l.spawn(sh('sleep 5'), () => undefined);
    assert.ok(spawned.ok);
    try {
      assert.equal(parentOf(spawned.group.pid), l.pid);
      assert.notEqual(l.pid, process.pid);
    } finally {
      spawned.group.kill();
    }
    const exit = await spawned.group.done;
    assert.equal(exit.signal, 'SIGKILL');
  });

  it('reports a command that cannot be executed with its errno, and still opens the log', async () => {
    const l = launcher();
    const req: SpawnRequest = { file: path.join(root, 'no-such-command'), args: [], env: {}, logFile: path.join(root, 'missing.log') };
    const spawned = await l.spawn(req, () => undefined);
    assert.equal(spawned.ok, false);
    if (spawned.ok) return;
    assert.equal(spawned.error.code, 'ENOENT');
    assert.equal(spawned.logFile, req.logFile);
    assert.ok(fs.existsSync(req.logFile));
  });

  it('terminate: SIGTERM to the whole group; a process that exits within the grace keeps its exit code', async () => {
    const l = launcher();
    const word = uniqueWord();
    const ready = path.join(root, `ready-${word}`);
    const spawned = await l.spawn(sh(`trap 'echo bye; exit 7' TERM; sleep 1010.${word} & touch ${ready}; wait`), () => undefined);
    assert.ok(spawned.ok);
    assert.ok(await eventually(() => fs.existsSync(ready), 30_000), 'the trap is set');
    await spawned.group.terminate(60_000);
    const exit = await spawned.group.done;
    assert.equal(exit.code, 7);
    assert.match(exit.log.tail.text, /bye/);
    assert.deepEqual(processesWith(`1010.${word}`), [], 'the sleep of the group got the SIGTERM too');
  });

  it('terminate: SIGKILL once the grace period is over, not before', async () => {
    const l = launcher();
    const word = uniqueWord();
    const ready = path.join(root, `ready-${word}`);
    const spawned = await l.spawn(sh(`trap '' TERM; touch ${ready}; while :; do sleep 1011.${word}; done`), () => undefined);
    assert.ok(spawned.ok);
    assert.ok(await eventually(() => fs.existsSync(ready), 30_000), 'the trap is set');
    const started = Date.now();
    await spawned.group.terminate(800);
    const exit = await spawned.group.done;
    assert.ok(Date.now() - started >= 750, `the grace period was honoured (${Date.now() - started} ms)`);
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(await eventually(() => processesWith(`1011.${word}`).length === 0, 10_000));
  });

  it('a plain process ends by SIGTERM, reported as such', async () => {
    const l = launcher();
    const word = uniqueWord();
    const spawned = await l.spawn(sh(`exec sleep 1012.${word}`), () => undefined);
    assert.ok(spawned.ok);
    assert.ok(await eventually(() => processesWith(`1012.${word}`).length === 1, 30_000));
    await spawned.group.terminate(30_000);
    const exit = await spawned.group.done;
    assert.equal(exit.code, null);
    assert.equal(exit.signal, 'SIGTERM');
  });

  it('a launcher that dies takes its pods with it; they end as SIGKILLed and the next spawn starts a new launcher', async () => {
    const notes: string[] = [];
    const l = new LauncherProcess({ log: (m) => notes.push(m) });
    launchers.push(l);
    const word = uniqueWord();
    const request = sh(`echo started; sleep 1013.${word} & sleep 1013.${word} & wait`);
    const spawned = await l.spawn(request, () => undefined);
    assert.ok(spawned.ok);
    assert.ok(await eventually(() => processesWith(`1013.${word}`).filter((p) => p.cmdline.startsWith('sleep')).length === 2, 30_000));
    // Output the launcher has not written yet dies with it: the test kills it once the line is in the file.
    assert.ok(await eventually(() => fs.existsSync(request.logFile) && fs.readFileSync(request.logFile, 'utf8').includes('started'), 10_000));
    const first = l.pid;
    assert.ok(first !== undefined);
    process.kill(first, 'SIGKILL');
    const exit = await spawned.group.done;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.log.tail.text, 'started\n', 'the tail is read back from the log file');
    assert.ok(await eventually(() => processesWith(`1013.${word}`).length === 0, 10_000), 'the pod died with its launcher');
    assert.match(notes.join('\n'), /pod launcher \(pid \d+\) killed by SIGKILL; its 1 running container\(s\) are killed/);

    const again = await l.spawn(sh('exit 0'), () => undefined);
    assert.ok(again.ok);
    assert.equal((await again.group.done).code, 0);
    assert.notEqual(l.pid, first);
  });

  it('close() kills what still runs and ends the launcher', async () => {
    const l = new LauncherProcess();
    const word = uniqueWord();
    const spawned = await l.spawn(sh(`sleep 1014.${word}`), () => undefined);
    assert.ok(spawned.ok);
    assert.ok(await eventually(() => processesWith(`1014.${word}`).length > 0, 30_000));
    const pid = l.pid;
    await l.close();
    assert.ok(await eventually(() => processesWith(`1014.${word}`).length === 0, 10_000));
    assert.ok(pid !== undefined && !alive(pid), 'the launcher exited');
    const refused = await l.spawn(sh('true'), () => undefined);
    assert.equal(refused.ok, false);
  });

  it('a worker killed with SIGKILL leaves no process: neither its launcher nor the pod', async () => {
    const word = uniqueWord();
    const holder = spawn(process.execPath, [path.join(__dirname, 'helpers', 'launcher-holder.js')], {
      env: {
        ...process.env,
        LAUNCHER_HOLDER_SCRIPT: `sleep 1015.${word} & sleep 1015.${word} & wait`,
        LAUNCHER_HOLDER_LOG: path.join(root, 'holder.log'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
    let out = '';
    holder.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      assert.ok(await eventually(() => out.includes('\n'), 30_000), 'the holder started its pod');
      const { launcher: launcherPid, group } = JSON.parse(out) as { launcher: number; group: number };
      assert.ok(group > 0 && group !== launcherPid);
      assert.ok(await eventually(() => processesWith(`1015.${word}`).filter((p) => p.cmdline.startsWith('sleep')).length === 2, 30_000));
      assert.ok(alive(launcherPid));
      holder.kill('SIGKILL');
      await exited;
      assert.ok(await eventually(() => processesWith(`1015.${word}`).length === 0, 10_000), `left behind: ${JSON.stringify(processesWith(word))}`);
      assert.ok(await eventually(() => !alive(launcherPid), 10_000), 'the launcher exited with its worker');
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('joining a sandbox to its cgroup', async () => {
  const support = await sandboxSupport();
  const skip = support.ok ? false : `no sandbox here: ${support.reason}`;

  it('a sandbox that cannot be joined to its cgroup never runs its command: exit code 125, and why, in its log', { skip }, async () => {
    if (!support.ok) return;
    // The command would leave a file in a directory shared with the sandbox, were it ever run.
    const shared = fs.mkdtempSync(path.join(root, 'shared-'));
    const ran = path.join(shared, 'ran');
    const argv = sandboxArgv({
      ...support,
      root: listHostRoot(),
      shared: [shared],
      mounts: [],
      dropCapabilities: privileged(),
      waitForJoin: true,
      file: 'sh',
      args: ['-c', `echo ran > ${ran}`],
    });
    const missing = path.join(root, 'no-such-cgroup', 'cgroup.procs');
    const req: SpawnRequest = { ...sh(''), file: argv.file, args: argv.args, sandboxInit: true, cgroupProcs: [missing] };
    const spawned = await launcher().spawn(req, () => undefined);
    assert.ok(spawned.ok);
    const exit = await spawned.group.done;
    assert.equal(exit.code, 125, JSON.stringify(exit));
    assert.equal(exit.signal, null);
    assert.match(exit.log.tail.text, new RegExp(`durable-jobs: cannot join the cgroup ${missing}: ENOENT`));
    assert.equal(fs.existsSync(ran), false, 'the command ran outside its cgroup');
  });

  it('without a join the same sandbox runs its command (what the test above relies on)', { skip }, async () => {
    if (!support.ok) return;
    const shared = fs.mkdtempSync(path.join(root, 'shared-'));
    const ran = path.join(shared, 'ran');
    const argv = sandboxArgv({ ...support, root: listHostRoot(), shared: [shared], mounts: [], dropCapabilities: privileged(), file: 'sh', args: ['-c', `echo ran > ${ran}`] });
    const spawned = await launcher().spawn({ ...sh(''), file: argv.file, args: argv.args, sandboxInit: true }, () => undefined);
    assert.ok(spawned.ok);
    assert.equal((await spawned.group.done).code, 0);
    assert.equal(fs.readFileSync(ran, 'utf8'), 'ran\n');
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
