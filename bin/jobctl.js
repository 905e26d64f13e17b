#!/usr/bin/env -S node --max-semi-space-size=2
'use strict';
// 2 MB semi-spaces: V8's default (16 MB) lets a worker's young generation grow by ~50 MB under a stream
// of pod results; measured no CPU cost (README, Performance). The flag has to be there when node starts.
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('jobctl is not built yet: run `npm install` (or `npm run build`) in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
const cli = require(entry);
cli.exitQuietlyOnBrokenPipe();
cli.main(process.argv);
