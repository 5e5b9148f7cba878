// ONNX Runtime peer for the benchmark: a long-lived process that loads
// sessions and times its own inference loop.
//
//   node ort_worker.js --threads T
//
// Protocol (shared with ../peer.py): one JSON request a line on stdin, one
// JSON answer a line on stdout.
//   {"op": "load", "key": K, "model": NAME, "onnx": PATH, "input": NPY}
//   {"op": "run", "key": K, "warmup": W, "runs": N, "output": NPY or null}
//   {"op": "info"}   {"op": "quit"}
// Sessions: intraOpNumThreads T, interOpNumThreads 1, sequential execution,
// graph optimisation "all". Each timed run is one awaited session.run(), so
// the time includes the Node binding's call overhead; the driver measures
// that overhead on the identity model.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

// --- .npy (little-endian float32, C order) --------------------------------

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== '\x93NUMPY') {
    throw new Error(`${file}: not a .npy file`);
  }
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + headerLen);
  const descr = /'descr':\s*'([^']*)'/.exec(header);
  const fortran = /'fortran_order':\s*(True|False)/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !fortran || !shape) throw new Error(`${file}: bad header`);
  if (descr[1] !== '<f4') throw new Error(`${file}: dtype ${descr[1]}, want <f4`);
  if (fortran[1] !== 'False') throw new Error(`${file}: Fortran order`);
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s)
    .map((s) => Number.parseInt(s, 10));
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  if (buf.length < offset + 4 * count) throw new Error(`${file}: truncated`);
  // Copy into an aligned buffer of its own.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(buf.subarray(offset, offset + 4 * count));
  return { dims, data };
}

function writeNpy(file, dims, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${
    dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const f32 = Float32Array.from(data);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(header, 'latin1'),
    Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength)]));
}

// --- statistics ------------------------------------------------------------

function percentile(sorted, q) {
  // numpy's default (linear interpolation)
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function summary(timesNs, threads) {
  const us = timesNs.map((t) => Number(t) / 1e3).sort((a, b) => a - b);
  const mean = us.reduce((a, b) => a + b, 0) / us.length;
  return {
    median_us: percentile(us, 0.5), p90_us: percentile(us, 0.9),
    p99_us: percentile(us, 0.99), min_us: us[0], mean_us: mean,
    runs: us.length, threads,
  };
}

// --- main ------------------------------------------------------------------

async function main() {
  const args = process.argv.slice(2);
  const ti = args.indexOf('--threads');
  const threads = ti >= 0 ? Number.parseInt(args[ti + 1], 10) : 1;
  const answer = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    answer({ ok: false, error: `cannot load onnxruntime-node: ${e.message}` });
    return;
  }
  const pkg = JSON.parse(fs.readFileSync(
    path.join(path.dirname(require.resolve('onnxruntime-node')), '..',
      'package.json'), 'utf8'));
  const info = () => ({
    peer: 'onnxruntime-node', version: pkg.version, node: process.version,
    threads,
  });
  answer({ ok: true, ready: true, ...info() });

  const sessions = new Map();
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    let req;
    try {
      req = JSON.parse(line);
    } catch {
      answer({ ok: false, error: 'bad request' });
      continue;
    }
    try {
      if (req.op === 'quit') {
        for (const s of sessions.values()) await s.session.release();
        answer({ ok: true });
        // ORT's thread pools would keep the process alive.
        process.exit(0);
      } else if (req.op === 'info') {
        answer({ ok: true, ...info() });
      } else if (req.op === 'load') {
        const session = await ort.InferenceSession.create(req.onnx, {
          executionProviders: ['cpu'],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
        const x = readNpy(req.input);
        const feeds = {
          [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.dims),
        };
        await session.run(feeds);
        sessions.set(req.key, { session, feeds });
        answer({ ok: true });
      } else if (req.op === 'run') {
        const s = sessions.get(req.key);
        if (!s) throw new Error(`no session ${req.key}`);
        const warmup = req.warmup | 0;
        const runs = req.runs | 0;
        const times = [];
        let out;
        for (let i = 0; i < warmup + runs; i++) {
          const t0 = process.hrtime.bigint();
          out = await s.session.run(s.feeds);
          const t1 = process.hrtime.bigint();
          if (i >= warmup) times.push(t1 - t0);
        }
        if (req.output) {
          const y = out[s.session.outputNames[0]];
          writeNpy(req.output, y.dims, y.data);
        }
        answer({ ok: true, ...summary(times, threads) });
      } else {
        answer({ ok: false, error: `unknown op ${req.op}` });
      }
    } catch (e) {
      answer({ ok: false, error: String(e && e.message ? e.message : e).split('\n')[0] });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
});
