#!/usr/bin/env node
// A screenshot of a page that never goes idle (the Web UI polls a running workflow), which Chromium's own
// --screenshot waits for forever: Chromium is driven over the DevTools protocol, the page gets a fixed
// time to render, and the shot is taken. No dependency: node's WebSocket (--experimental-websocket on 20).
// Usage: node --experimental-websocket scripts/screenshot.js CHROMIUM URL OUT.png [WAIT_MS]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [chromium, url, out, waitArg] = process.argv.slice(2);
const waitMs = Number(waitArg ?? 8000);
if (!chromium || !url || !out) {
  process.stderr.write('usage: screenshot.js CHROMIUM URL OUT.png [WAIT_MS]\n');
  process.exit(2);
}
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dj-chromium-'));
const browser = spawn(
  chromium,
  [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
    '--window-size=1500,1100', '--remote-debugging-port=0', 'about:blank',
  ],
  // Its own process group: its renderer and helper processes outlive a kill of the browser alone and
  // keep writing to the profile.
  { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
);
const done = (code) => {
  // The profile is removed once Chromium's whole group is gone (one still writing makes rm fail).
  const gone = browser.exitCode !== null || browser.signalCode !== null;
  const cleanUp = () => {
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      process.stderr.write(`screenshot: could not remove ${profile}: ${e.message}\n`);
    }
    process.exit(code);
  };
  try {
    process.kill(-browser.pid, 'SIGKILL');
  } catch {
    browser.kill('SIGKILL');
  }
  if (gone) cleanUp();
  else browser.once('exit', cleanUp);
};
setTimeout(() => {
  process.stderr.write('screenshot: timed out\n');
  done(1);
}, waitMs + 60_000).unref();

let err = '';
browser.stderr.on('data', (d) => {
  err += d.toString();
  const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
  if (m && !started) {
    started = true;
    shoot(m[1]).then(() => done(0), (e) => {
      process.stderr.write(`screenshot: ${e.message}\n`);
      done(1);
    });
  }
});
let started = false;

async function shoot(browserWs) {
  const port = new URL(browserWs).port;
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const page = targets.find((t) => t.type === 'page');
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  let id = 0;
  const pending = new Map();
  ws.onmessage = (ev) => {
    const msg = JSON.parse(String(ev.data));
    if (msg.id !== undefined && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
    }
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      pending.set(n, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  await send('Page.enable');
  await send('Page.navigate', { url });
  await new Promise((r) => setTimeout(r, waitMs));
  const { data } = await send('Page.captureScreenshot', { format: 'png' });
  fs.writeFileSync(out, Buffer.from(data, 'base64'));
  ws.close();
}
