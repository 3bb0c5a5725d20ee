#!/usr/bin/env node
// Browser test runner for yzcloud (no test framework).
//
//   node run.mjs [PATTERN]
//
// Starts `yzcloud serve --port 0 --data-dir <fresh temp dir>` (binary from
// $YZCLOUD_BIN, default ../../build/yzcloud relative to this file), waits for its
// `listening on http://...` line, launches Debian's chromium headless through
// playwright-core (a fresh temporary profile per run), and runs every test in
// tests/*.test.mjs. A test file exports (default, or as `tests`) an array of
// `{name, fn}`, a single `{name, fn}`, or an async function; `fn` receives
// `{browser, baseURL, dataDir}`. PATTERN, if given, keeps only the tests whose
// name or file name contains it.
//
// Prints `ok - name` / `FAIL - name: error` per test, then exactly
// `N passed, N failed`; stops the server with SIGTERM and exits non-zero if any
// test failed or the server did not exit 0.
//
// Environment: YZCLOUD_BIN, CHROMIUM_BIN (default /usr/bin/chromium),
// TEST_TIMEOUT_MS (default 30000), KEEP_DATA=1 keeps the temp data dir.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = process.env.YZCLOUD_BIN
  ? path.resolve(process.env.YZCLOUD_BIN) // relative to the current directory
  : path.resolve(here, '../../build/yzcloud');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const TEST_TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_MS || 30_000);
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const pattern = process.argv[2] || '';

const serverLog = []; // last lines of the server's stdout/stderr, shown on trouble
function logServer(stream, chunk) {
  for (const line of chunk.toString('utf8').split('\n')) {
    if (!line) continue;
    serverLog.push(`[yzcloud ${stream}] ${line}`);
    if (serverLog.length > 200) serverLog.shift();
  }
}
function dumpServerLog() {
  if (serverLog.length) console.log(serverLog.map((l) => `# ${l}`).join('\n'));
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function startServer(dataDir) {
  const child = spawn(BIN, ['serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (err) => resolve({ code: null, signal: null, error: err }));
  });
  child.stderr.on('data', (c) => logServer('stderr', c));
  const ready = new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      logServer('stdout', c);
      buf += c.toString('utf8');
      const m = buf.match(/listening on (http:\/\/[^\s/]+)/);
      if (m) resolve(m[1]);
    });
    exited.then(({ code, signal, error }) =>
      reject(new Error(error ? `cannot start ${BIN}: ${error.message}`
        : `${BIN} exited (code ${code}, signal ${signal}) before printing "listening on"`)));
  });
  return { child, exited, ready: withTimeout(ready, START_TIMEOUT_MS, 'waiting for "listening on"') };
}

async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return server.exited;
  server.child.kill('SIGTERM');
  try {
    return await withTimeout(server.exited, STOP_TIMEOUT_MS, 'server shutdown after SIGTERM');
  } catch (err) {
    server.child.kill('SIGKILL');
    await server.exited;
    return { code: null, signal: 'SIGKILL', error: err };
  }
}

async function loadTests() {
  const dir = path.join(here, 'tests');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.test.mjs')).sort();
  const tests = [];
  for (const file of files) {
    let mod;
    try {
      mod = await import(pathToFileURL(path.join(dir, file)).href);
    } catch (err) {
      tests.push({ file, name: `${file} (import)`, fn: () => { throw err; } });
      continue;
    }
    const exported = [mod.default, mod.tests].filter((x) => x !== undefined).flat();
    if (!exported.length) {
      tests.push({ file, name: `${file} (exports)`, fn: () => { throw new Error('exports no tests'); } });
    }
    for (const t of exported) {
      if (typeof t === 'function') tests.push({ file, name: t.name || file, fn: t });
      else if (t && typeof t.fn === 'function') tests.push({ file, name: String(t.name ?? file), fn: t.fn });
      else tests.push({ file, name: `${file} (exports)`, fn: () => { throw new Error(`not a test: ${String(t)}`); } });
    }
  }
  return tests.filter((t) => !pattern || t.name.includes(pattern) || t.file.includes(pattern));
}

function describe(err) {
  const text = (err instanceof Error ? (err.message || String(err)) : String(err))
    .replace(/\x1b\[[0-9;]*m/g, ''); // playwright colours its call logs
  const [first, ...rest] = text.trim().split('\n');
  return rest.length ? `${first}\n${rest.map((l) => `    ${l}`).join('\n')}` : first;
}

async function main() {
  let passed = 0;
  let failed = 0;
  const fail = (name, err) => { failed++; console.log(`FAIL - ${name}: ${describe(err)}`); };

  const dataDir = await mkdtemp(path.join(tmpdir(), 'yzcloud-browser-data-'));
  const server = startServer(dataDir);
  const killOnExit = () => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); };
  process.on('exit', killOnExit);
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => { killOnExit(); process.exit(130); });
  }

  let browser;
  try {
    const baseURL = await server.ready;
    console.log(`# server ${BIN} at ${baseURL}, data dir ${dataDir}`);
    // launch() gives every run a fresh temporary profile (--user-data-dir), removed on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-quic'],
    });
    console.log(`# chromium ${browser.version()}`);

    const tests = await loadTests();
    if (!tests.length) throw new Error(`no tests found${pattern ? ` matching "${pattern}"` : ''}`);
    for (const t of tests) {
      try {
        await withTimeout(Promise.resolve().then(() => t.fn({ browser, baseURL, dataDir })),
          TEST_TIMEOUT_MS, 'test');
        passed++;
        console.log(`ok - ${t.name}`);
      } catch (err) {
        fail(t.name, err);
      } finally {
        // Close whatever the test left open (a timed-out test's pages included).
        await Promise.all(browser.contexts().map((c) => c.close().catch(() => {})));
      }
    }
  } catch (err) {
    fail('setup', err);
  } finally {
    if (browser) await browser.close().catch(() => {});
  }

  const res = await stopServer(server);
  let serverOk = res.code === 0;
  if (!serverOk) {
    console.log(`# server did not exit 0 after SIGTERM: code ${res.code}, signal ${res.signal}` +
      (res.error ? ` (${res.error.message})` : ''));
  }
  if (failed || !serverOk) dumpServerLog();
  if (process.env.KEEP_DATA) console.log(`# data dir kept: ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed || !serverOk ? 1 : 0;
}

main().catch((err) => {
  console.log(`FAIL - runner: ${describe(err)}`);
  console.log('0 passed, 1 failed');
  process.exitCode = 1;
});
