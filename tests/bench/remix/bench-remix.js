// bench-remix.js: the figures of bench-calls, measured on the Remix engine
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Run by tests/bench/remix/run.sh, which installs @remixproject/engine
// 0.3.44, engine-node 0.3.38, plugin 0.3.44 and plugin-utils 0.3.44 in a
// scratch directory and sets NODE_PATH to it. Options: --duration S,
// --iterations N, --runs N, --json, --placement NAME (run.sh pins with
// taskset; Node cannot). Prints the same table as bench-calls, or JSON
// with the same measurement names (medians over runs).
'use strict';

const fs = require('fs');
const path = require('path');
const { Engine, PluginManager, Plugin } = require('@remixproject/engine');
const { ChildProcessPlugin } = require('@remixproject/engine-node');

const WARMUP = 200;
const DEPTH = 256;
const LISTENERS = 100;
const SMALL = 'x'.repeat(16);
const LARGE = 'x'.repeat(64 * 1024);
const CHILD = path.join(__dirname, 'echo-child.js');

const options = { duration: 1, iterations: 0, runs: 3, json: false, placement: 'unpinned' };
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  const [name, inline] = arg.split('=', 2);
  const value = () => (inline !== undefined ? inline : process.argv[++i]);
  if (name === '--duration') options.duration = Number(value());
  else if (name === '--iterations') options.iterations = Number(value());
  else if (name === '--runs') options.runs = Number(value());
  else if (name === '--placement') options.placement = value();
  else if (name === '--json') options.json = true;
  else {
    console.error(`bench-remix: unknown option ${arg}`);
    process.exit(2);
  }
}

const nowNs = () => process.hrtime.bigint();

// Timer: the same rules as bench-util.c

class Timer {
  constructor() {
    this.latencies = [];
    this.done = 0;
    this.start = nowNs();
    this.end = 0n;
  }

  more() {
    if (options.iterations > 0)
      return this.done < options.iterations;
    return Number(nowNs() - this.start) < options.duration * 1e9;
  }

  stop() {
    this.end = nowNs();
  }

  rate() {
    return this.done / (Number(this.end - this.start) / 1e9);
  }

  percentileUs(p) {
    const sorted = Float64Array.from(this.latencies).sort();
    return sorted[Math.round((p / 100) * (sorted.length - 1))] / 1e3;
  }
}

const measurements = new Map();

function record(id, value) {
  if (!measurements.has(id))
    measurements.set(id, []);
  measurements.get(id).push(value);
}

function recordTimer(prefix, timer) {
  record(`${prefix}.rate`, timer.rate());
  if (timer.latencies.length > 0) {
    record(`${prefix}.p50`, timer.percentileUs(50));
    record(`${prefix}.p99`, timer.percentileUs(99));
  }
}

function median(id) {
  const values = measurements.get(id);
  if (values === undefined)
    return null;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)/m.exec(status);
  return match ? Number(match[1]) / 1024 : null;
}

// Plugins

class EchoPlugin extends Plugin {
  constructor() {
    super({ name: 'echo', methods: ['echo'] });
  }

  echo(value) {
    return value;
  }
}

class ChildEcho extends ChildProcessPlugin {
  constructor() {
    super({ name: 'echo', url: CHILD, methods: ['echo'] });
    this.loaded = false;
    this.whenLoaded = null;
  }

  // Remix queues nothing until the handshake: wait for it before calling.
  async handshake() {
    await super.handshake();
    if (this.whenLoaded !== null) {
      this.whenLoaded();
      this.whenLoaded = null;
    }
  }

  waitLoaded() {
    return this.loaded
      ? Promise.resolve()
      : new Promise((resolve) => { this.whenLoaded = resolve; });
  }
}

async function newEngine(plugins) {
  const manager = new PluginManager();
  const engine = new Engine();
  engine.register([manager, ...plugins]);
  for (const plugin of plugins)
    await manager.activatePlugin(plugin.name);
  return { engine, manager };
}

function newCaller() {
  return new Plugin({ name: 'bench', methods: [] });
}

async function checkedCall(caller, payload) {
  const answer = await caller.call('echo', 'echo', payload);
  if (answer !== payload)
    throw new Error('echo did not echo its argument');
}

async function measureSequential(caller, payload, id) {
  for (let i = 0; i < WARMUP; i++)
    await checkedCall(caller, payload);
  const timer = new Timer();
  while (timer.more()) {
    const t0 = nowNs();
    await checkedCall(caller, payload);
    timer.latencies.push(Number(nowNs() - t0));
    timer.done++;
  }
  timer.stop();
  recordTimer(id, timer);
}

function measureInFlight(caller, payload, id) {
  return new Promise((resolve, reject) => {
    const timer = new Timer();
    let outstanding = 0;
    let sending = true;
    const start = () => {
      outstanding++;
      checkedCall(caller, payload).then(() => {
        outstanding--;
        timer.done++;
        sending = sending && timer.more();
        if (sending)
          start();
        else if (outstanding === 0) {
          timer.stop();
          record(`${id}.rate`, timer.rate());
          resolve();
        }
      }, reject);
    };
    for (let i = 0; i < DEPTH; i++)
      start();
  });
}

async function groupInProcess() {
  const caller = newCaller();
  await newEngine([caller, new EchoPlugin()]);
  await measureSequential(caller, SMALL, 'call.inproc.16');
  await measureSequential(caller, LARGE, 'call.inproc.64k');
  await measureInFlight(caller, SMALL, 'flight.inproc');
}

async function activateChild(manager, child, caller) {
  const t0 = nowNs();
  const loaded = child.waitLoaded();
  await manager.activatePlugin('echo');
  await loaded;
  await checkedCall(caller, SMALL);
  return Number(nowNs() - t0);
}

async function groupChild() {
  const caller = newCaller();
  const child = new ChildEcho();
  const { engine, manager } = await newEngine([caller]);
  engine.register(child);

  // Activation to first answered call, each on a fresh process.
  const activations = new Timer();
  const count = options.iterations > 0 ? Math.min(options.iterations, 10) : 10;
  for (let i = 0; i < count; i++) {
    if (await manager.isActive('echo'))
      await manager.deactivatePlugin('echo');
    activations.latencies.push(await activateChild(manager, child, caller));
  }
  record('activation.child', activations.percentileUs(50) / 1e3);
  // As bench-cli: one child active, one call answered.
  record('rss.engine', rssMiB(process.pid));
  record('rss.plugin', rssMiB(child.process.pid));

  await measureSequential(caller, SMALL, 'call.child.16');
  await measureSequential(caller, LARGE, 'call.child.64k');
  await measureInFlight(caller, SMALL, 'flight.child');
  await manager.deactivatePlugin('echo');
}

function groupEvents() {
  const emitter = new Plugin({ name: 'emitter', events: ['tick'] });
  const listeners = [];
  for (let i = 0; i < LISTENERS; i++)
    listeners.push(new Plugin({ name: `listener-${i}` }));
  return newEngine([emitter, ...listeners]).then(() => {
    let deliveries = 0;
    for (const listener of listeners)
      listener.on('emitter', 'tick', () => { deliveries++; });
    const timer = new Timer();
    while (timer.more()) {
      for (let i = 0; i < 64; i++)
        emitter.emit('tick', SMALL);
      timer.done += 64;
    }
    timer.stop();
    if (deliveries !== timer.done * LISTENERS)
      throw new Error(`${deliveries} deliveries for ${timer.done} emits`);
    record('events.inproc.emits', timer.rate());
    record('events.inproc.deliveries', timer.rate() * LISTENERS);
  });
}

// Output

const rows = [
  ['in-process call, 16 B, p50', 'µs', 'call.inproc.16.p50'],
  ['in-process call, 16 B, p99', 'µs', 'call.inproc.16.p99'],
  ['in-process call, 16 B, sequential', 'calls/s', 'call.inproc.16.rate'],
  ['in-process call, 64 KiB, p50', 'µs', 'call.inproc.64k.p50'],
  ['in-process call, 256 in flight', 'calls/s', 'flight.inproc.rate'],
  ['child Node, 16 B, p50', 'µs', 'call.child.16.p50'],
  ['child Node, 16 B, p99', 'µs', 'call.child.16.p99'],
  ['child Node, 16 B, sequential', 'calls/s', 'call.child.16.rate'],
  ['child Node, 64 KiB, p50', 'µs', 'call.child.64k.p50'],
  ['child Node, 64 KiB, p99', 'µs', 'call.child.64k.p99'],
  ['child Node, 64 KiB, sequential', 'calls/s', 'call.child.64k.rate'],
  ['child Node, 256 in flight', 'calls/s', 'flight.child.rate'],
  ['event 1 -> 100 in-process listeners', 'emits/s', 'events.inproc.emits'],
  ['event 1 -> 100 in-process listeners', 'deliv/s', 'events.inproc.deliveries'],
  ['activation -> first answer, Node child', 'ms', 'activation.child'],
  ['engine RSS, 1 active child', 'MiB', 'rss.engine'],
  ['child plugin process RSS', 'MiB', 'rss.plugin'],
];

function formatValue(value) {
  if (value === null || Number.isNaN(value))
    return '—';
  if (value >= 1e6)
    return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e4)
    return `${(value / 1e3).toFixed(1)} k`;
  if (value >= 100)
    return value.toFixed(0);
  return value >= 1 ? value.toFixed(2) : value.toFixed(4);
}

function printTable() {
  const pad = (text, width) => text + ' '.repeat(Math.max(0, width - text.length));
  const left = (text, width) => ' '.repeat(Math.max(0, width - text.length)) + text;
  console.log(`\nRemix engine, ${options.placement}, median of ${options.runs} runs`);
  console.log(`${pad('figure', 46)} ${pad('unit', 8)} ${left('Remix', 10)}`);
  for (const [label, unit, id] of rows)
    console.log(`${pad(label, 46)} ${pad(unit, 8)} ${left(formatValue(median(id)), 10)}`);
}

function printJson() {
  const out = { placement: options.placement, engine: 'remix', measurements: {} };
  for (const id of [...measurements.keys()].sort())
    out.measurements[id] = median(id);
  console.log(JSON.stringify(out, null, 2));
}

async function main() {
  const groups = [['inproc', groupInProcess], ['child', groupChild], ['events', groupEvents]];
  for (let run = 0; run < options.runs; run++) {
    for (const [name, group] of groups) {
      console.error(`bench-remix: run ${run + 1}/${options.runs}: ${name}`);
      await group();
    }
  }
  if (options.json)
    printJson();
  else
    printTable();
  // Nothing else should keep Node alive, but a stray child must not hang us.
  process.exit(0);
}

main().catch((err) => {
  console.error('bench-remix:', err);
  process.exit(1);
});
