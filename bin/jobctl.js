#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072:glibc.malloc.trim_threshold=131072:${GLIBC_TUNABLES} node --max-semi-space-size=2 --heap-growing-percent=100
'use strict';
// 2 MB semi-spaces: V8's default (16 MB) lets a worker's young generation grow by ~50 MB under a stream
// of pod results; measured no CPU cost (README, Performance). The flag has to be there when node starts.
// --heap-growing-percent=100: after a major GC, the next comes once the old space has doubled (V8 picks a
// factor up to 4 for a heap limit as large as a 23 GB host gives): a worker whose live heap is ~25-40 MB
// let garbage fill its old space to 110-125 MB before collecting it (RSS max 316-326 MB in 2 of 3 runs of
// 2,000 pods, one worker). With it: 237 MB, worker CPU within the noise (10.2 s against 10.6-12.1 s);
// 50 gave 211-213 MB for ~8% more worker CPU. It sets no heap limit: a Job never runs out of heap for it.
// glibc's malloc, as the SDK's native core uses it: a fixed 128 KiB mmap threshold (by default it rises
// with each large block freed, up to 32 MiB, so gRPC buffers end up inside the arenas) and trimming past
// 128 KiB. Without them a worker kept ~125 MB of freed native memory (malloc_trim gave back 370 -> 243
// MB after a parallelism-1,000 Job). Worker RSS max, without -> with: parallelism 1,000 405-416 -> 210-228
// MB; 1,000 pods at parallelism 100 276-341 -> 192-248 MB; 10,000 pods 250 MB (385-408 before). Worker
// CPU: the same at parallelism 100; at 1,000 17.8-20.5 s against 15.8-15.9 s, not yet told apart from the
// machine's load (README, Performance, 28 Nov 18:38). Read by the dynamic loader at start, so
// it has to be set here; a GLIBC_TUNABLES of the caller's comes after, and wins.
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
