// A stand-in `docker` executable for the docker runtime's tests (no engine runs here). It records
// every call's argv and plays a container chosen by the image name:
//   fake/echo        prints its entrypoint, arguments, -e variables and -w, exits 0
//   fake/exit:N      prints "out" on stdout and "err" on stderr, exits N
//   fake/wait        runs until `docker stop` (exit 143, as a container ending on SIGTERM)
//   fake/trap        ignores stop's SIGTERM; stop's SIGKILL after -t seconds ends it (exit 137)
//   fake/volume      writes <container>.txt into every -v directory, prints what they hold, exits 0
//   fake/missing     fails like a missing image (exit 125)
//   fake/pulled      pulls the image first (docker's lines), then runs like fake/echo
//   fake/slow        spends 20 s "pulling" before its container exists, then runs like fake/wait
// A running `run` keeps <state>/<name>.pid; `stop` and `rm -f` reach it with SIGUSR1 (the engine's
// SIGTERM to the container) and SIGUSR2 (its SIGKILL).
import fs from 'node:fs';
import path from 'node:path';

const SCRIPT = String.raw`
const fs = require('fs');
const path = require('path');
const state = process.env.FAKE_DOCKER_STATE;
const argv = process.argv.slice(2);
fs.appendFileSync(path.join(state, 'calls.jsonl'), JSON.stringify(argv) + '\n');
const pidFile = (name) => path.join(state, name + '.pid');
const running = (name) => {
  try {
    const pid = Number(fs.readFileSync(pidFile(name), 'utf8'));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
};
const gone = (pid) => { try { process.kill(pid, 0); return false; } catch { return true; } };
const until = async (cond, ms) => { const end = Date.now() + ms; while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20)); return cond(); };

async function main() {
  const [cmd, ...rest] = argv;
  if (cmd === 'run') {
    const valued = new Set(['--name', '--hostname', '--pull', '-e', '-w', '-v', '--entrypoint']);
    const o = { env: [], volumes: [] };
    let i = 0;
    while (i < rest.length && rest[i].startsWith('-')) {
      const flag = rest[i];
      if (!valued.has(flag)) { i += 1; continue; }
      const value = rest[i + 1];
      if (flag === '-e') o.env.push(value);
      else if (flag === '-v') o.volumes.push(value);
      else o[flag.replace(/^-+/, '')] = value;
      i += 2;
    }
    const image = rest[i];
    const args = rest.slice(i + 1);
    if (image === 'fake/missing') {
      process.stderr.write("Unable to find image 'fake/missing:latest' locally\n");
      process.stderr.write('docker: Error response from daemon: pull access denied for fake/missing.\n');
      process.exit(125);
    }
    if (image === 'fake/pulled') {
      process.stderr.write("Unable to find image 'fake/pulled:latest' locally\n");
      process.stderr.write('latest: Pulling from fake/pulled\nStatus: Downloaded newer image for fake/pulled:latest\n');
      console.log('pulled and ran');
      process.exit(0);
    }
    if (image === 'fake/slow') {
      console.log('pulling');
      await new Promise((r) => setTimeout(r, 20_000));
    }
    fs.writeFileSync(pidFile(o.name), String(process.pid));
    process.on('exit', () => fs.rmSync(pidFile(o.name), { force: true }));
    if (image === 'fake/echo') {
      console.log('entrypoint=' + (o.entrypoint ?? '(image)') + ' args=' + JSON.stringify(args));
      for (const e of o.env) console.log('env ' + e);
      if (o.w) console.log('workdir ' + o.w);
      process.exit(0);
    }
    const exit = /^fake\/exit:(\d+)$/.exec(image);
    if (exit) {
      process.stdout.write('out\n');
      process.stderr.write('err\n');
      process.exit(Number(exit[1]));
    }
    if (image === 'fake/volume') {
      for (const v of o.volumes) {
        const dir = v.split(':')[0];
        fs.writeFileSync(path.join(dir, o.name + '.txt'), 'written by ' + o.name + '\n');
        for (const f of fs.readdirSync(dir).sort()) process.stdout.write(f + ': ' + fs.readFileSync(path.join(dir, f), 'utf8'));
      }
      process.exit(0);
    }
    if (image === 'fake/wait' || image === 'fake/trap' || image === 'fake/slow') {
      console.log('waiting');
      process.on('SIGUSR1', () => {
        if (image !== 'fake/trap') process.exit(143);
        console.log('ignoring SIGTERM');
      });
      process.on('SIGUSR2', () => process.exit(137));
      setInterval(() => undefined, 1000);
      return;
    }
    process.stderr.write('fake docker: unknown image ' + image + '\n');
    process.exit(125);
  }
  if (cmd === 'stop') {
    const seconds = Number(rest[1]);
    const name = rest[2];
    const pid = running(name);
    if (pid === undefined) {
      process.stderr.write('Error response from daemon: No such container: ' + name + '\n');
      process.exit(1);
    }
    process.kill(pid, 'SIGUSR1');
    if (!(await until(() => gone(pid), seconds * 1000))) {
      process.kill(pid, 'SIGUSR2');
      await until(() => gone(pid), 5000);
    }
    console.log(name);
    return;
  }
  if (cmd === 'rm') {
    const name = rest[rest.length - 1];
    const pid = running(name);
    if (pid !== undefined) {
      process.kill(pid, 'SIGUSR2');
      await until(() => gone(pid), 5000);
      console.log(name);
    }
    return;
  }
  process.stderr.write('fake docker: unsupported command ' + cmd + '\n');
  process.exit(1);
}
main();
`;

export interface FakeDocker {
  /** Put first on PATH. */
  binDir: string;
  stateDir: string;
  /** Every call's argv (without "docker"), in order. */
  calls(): string[][];
  /** Pid of the running `run` of that container, if any. */
  runningPid(name: string): number | undefined;
}

export function installFakeDocker(dir: string): FakeDocker {
  const binDir = path.join(dir, 'bin');
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(binDir, { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true });
  const file = path.join(binDir, 'docker');
  fs.writeFileSync(file, `#!${process.execPath}\n${SCRIPT}`, { mode: 0o755 });
  return {
    binDir,
    stateDir,
    calls: () => {
      const log = path.join(stateDir, 'calls.jsonl');
      if (!fs.existsSync(log)) return [];
      return fs
        .readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]);
    },
    runningPid: (name) => {
      try {
        const pid = Number(fs.readFileSync(path.join(stateDir, `${name}.pid`), 'utf8'));
        process.kill(pid, 0);
        return pid;
      } catch {
        return undefined;
      }
    },
  };
}
