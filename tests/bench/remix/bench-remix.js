// bench-remix.js: the figures of bench-calls, measured on the Remix engine
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Run by tests/bench/remix/run.sh, which installs @remixproject/engine
// 0.3.44, engine-node 0.3.38, engine-web 0.3.44, plugin 0.3.44,
// plugin-utils 0.3.44, socket.io-client 4 and ws 7 in a scratch directory
// and sets NODE_PATH to it. The network figures call the Node peers of
// ../peers (node_modules from $PLUGCTL_BENCH_PEERS_DIR, default
// tests/network), as bench-calls does. Options: --duration S,
// --iterations N, --runs N, --json, --only GROUP,... (inproc, child,
// network, events, events-child, registered), --placement NAME (run.sh
// pins with taskset; Node cannot). Prints the same table as bench-calls,
// or JSON with the same measurement names (medians over runs).
'use strict';

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { Engine, PluginManager, Plugin, PluginConnector } = require('@remixproject/engine');
const { ChildProcessPlugin } = require('@remixproject/engine-node');

const WARMUP = 200;
const DEPTH = 256;
const LISTENERS = 100;
const SMALL = 'x'.repeat(16);
const LARGE = 'x'.repeat(64 * 1024);
const CHILD = path.join(__dirname, 'echo-child.js');
const LISTENER = path.join(__dirname, 'listener-child.js');
const BURST = 256;
// The node_modules of the Node peers (../peers) bench-calls calls too.
const PEERS = process.env.PLUGCTL_BENCH_PEERS_DIR || path.join(__dirname, '..', '..', 'network');

const options = { duration: 1, iterations: 0, runs: 3, json: false, placement: 'unpinned', only: null };
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  const [name, inline] = arg.split('=', 2);
  const value = () => (inline !== undefined ? inline : process.argv[++i]);
  if (name === '--duration') options.duration = Number(value());
  else if (name === '--iterations') options.iterations = Number(value());
  else if (name === '--runs') options.runs = Number(value());
  else if (name === '--placement') options.placement = value();
  else if (name === '--json') options.json = true;
  else if (name === '--only') options.only = value().split(',');
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

async function checkedCall(caller, payload, target = 'echo') {
  const answer = await caller.call(target, 'echo', payload);
  if (answer !== payload)
    throw new Error('echo did not echo its argument');
}

async function measureSequential(caller, payload, id, target = 'echo') {
  for (let i = 0; i < WARMUP; i++)
    await checkedCall(caller, payload, target);
  const timer = new Timer();
  while (timer.more()) {
    const t0 = nowNs();
    await checkedCall(caller, payload, target);
    timer.latencies.push(Number(nowNs() - t0));
    timer.done++;
  }
  timer.stop();
  recordTimer(id, timer);
}

function measureInFlight(caller, payload, id, target = 'echo') {
  return new Promise((resolve, reject) => {
    const timer = new Timer();
    let outstanding = 0;
    let sending = true;
    const start = () => {
      outstanding++;
      checkedCall(caller, payload, target).then(() => {
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

// Network plugins: engine-web's WebsocketPlugin, and a socket.io 4
// connector on socket.io-client, both calling the peers of ../peers.

// engine-web is made for browsers: its WebsocketPlugin uses the global
// WebSocket (addEventListener, readyState, OPEN). Node 20 has none without
// a flag; `ws`, the library the peer serves with, provides that API.
if (typeof globalThis.WebSocket === 'undefined')
  globalThis.WebSocket = require('ws');
const { WebsocketPlugin } = require('@remixproject/engine-web');

// Resolves waitLoaded() once the handshake has been answered.
function withLoadedPromise(Base) {
  return class extends Base {
    waitLoaded() {
      return new Promise((resolve) => { this.onLoaded = resolve; });
    }

    async handshake() {
      const result = await super.handshake();
      if (this.onLoaded) {
        this.onLoaded();
        this.onLoaded = null;
      }
      return result;
    }
  };
}

class WsEcho extends withLoadedPromise(WebsocketPlugin) {}

// What the seed's SocketIOConnector talks to on the engine side: each
// message is the argument of a `message` event; the handshake starts when
// the socket connects, as engine-web's WebsocketPlugin does on `open`.
class SocketIOPlugin extends PluginConnector {
  connect(url) {
    const { io } = require('socket.io-client');
    this.socket = io(url, { transports: ['websocket'], reconnection: false });
    this.socket.on('connect', () => this.handshake());
    this.socket.on('message', (message) => this.getMessage(message));
  }

  send(message) {
    this.socket.emit('message', message);
  }

  disconnect() {
    this.socket.close();
  }
}

class SioEcho extends withLoadedPromise(SocketIOPlugin) {}

function startPeer(script) {
  return new Promise((resolve, reject) => {
    const peer = spawn('node', [path.join(__dirname, '..', 'peers', script), '0'],
                       { stdio: ['pipe', 'pipe', 'inherit'],
                         env: { ...process.env, PLUGCTL_BENCH_PEERS_DIR: PEERS } });
    let out = '';
    peer.on('error', reject);
    peer.stdout.on('data', (data) => {
      out += data;
      if (out.includes('\n'))
        resolve({ peer, port: Number(out.trim()) });
    });
    peer.on('exit', (code) => reject(new Error(`${script} exited (${code})`)));
  });
}

async function activateRemote(manager, plugin, name, caller) {
  const t0 = nowNs();
  const loaded = plugin.waitLoaded();
  await manager.activatePlugin(name);
  await loaded;
  await checkedCall(caller, SMALL, name);
  return Number(nowNs() - t0);
}

async function measureRemote(PluginClass, script, scheme, prefix) {
  const { peer, port } = await startPeer(script);
  const name = `remote-${prefix}`;
  const caller = newCaller();
  const plugin = new PluginClass({ name, url: `${scheme}://127.0.0.1:${port}`, methods: ['echo'] });
  const { engine, manager } = await newEngine([caller]);
  engine.register(plugin);

  const activations = new Timer();
  const count = options.iterations > 0 ? Math.min(options.iterations, 10) : 10;
  for (let i = 0; i < count; i++) {
    if (await manager.isActive(name))
      await manager.deactivatePlugin(name);
    activations.latencies.push(await activateRemote(manager, plugin, name, caller));
  }
  record(`activation.${prefix}`, activations.percentileUs(50) / 1e3);
  record(`rss.engine.${prefix}`, rssMiB(process.pid));

  await measureSequential(caller, SMALL, `call.${prefix}.16`, name);
  await measureSequential(caller, LARGE, `call.${prefix}.64k`, name);
  await measureInFlight(caller, SMALL, `flight.${prefix}`, name);
  await manager.deactivatePlugin(name);
  peer.removeAllListeners('exit');
  peer.kill();
}

async function groupNetwork() {
  if (!fs.existsSync(path.join(PEERS, 'node_modules', '@remixproject', 'plugin-ws'))) {
    console.error(`bench-remix: ${PEERS}/node_modules is missing, network figures skipped`);
    return;
  }
  await measureRemote(WsEcho, 'ws-plugin-server.js', 'ws', 'ws');
  await measureRemote(SioEcho, 'sio-plugin-server.js', 'http', 'sio');
}

// 1000 registered child-process plugins (none active): what each costs.
// The JS heap after a full GC (run.sh passes --expose-gc), not the RSS:
// after the other groups, Node's RSS does not move for a few MiB.
function groupRegistered() {
  const gc = globalThis.gc || (() => {});
  const manager = new PluginManager();
  const engine = new Engine();
  engine.register([manager]);
  gc();
  const before = process.memoryUsage().heapUsed;
  const plugins = [];
  for (let i = 0; i < 1000; i++)
    plugins.push(new ChildProcessPlugin({ name: `echo-${i}`, url: CHILD, methods: ['echo'] }));
  engine.register(plugins);
  gc();
  record('rss.per_registered', (process.memoryUsage().heapUsed - before) / 1024 / 1000);
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

// One emitter, 100 child-process listeners (listener-child.js), as
// bench-calls-events.c: bursts of BURST emits, each done when every
// listener's `count` says it heard them all.
class ChildListener extends withLoadedPromise(ChildProcessPlugin) {}

async function activateListeners(engine, manager) {
  const names = [];
  for (let i = 0; i < LISTENERS; i++) {
    const name = `listener-${String(i).padStart(3, '0')}`;
    const listener = new ChildListener({ name, url: LISTENER, methods: ['count'] });
    engine.register(listener);
    const loaded = listener.waitLoaded();
    await manager.activatePlugin(name);
    await loaded;
    names.push(name);
  }
  return names;
}

async function groupEventsChild() {
  const caller = newCaller();
  const emitter = new Plugin({ name: 'emitter', events: ['tick'] });
  const { engine, manager } = await newEngine([caller, emitter]);
  const names = await activateListeners(engine, manager);
  const counts = () => Promise.all(names.map((name) => caller.call(name, 'count')));

  // Until every listener's subscription is in; each counts from here.
  let base = null;
  for (let tries = 0; tries < 200 && base === null; tries++) {
    emitter.emit('tick', SMALL);
    const now = await counts();
    if (now.every((count) => count > 0))
      base = now;
  }
  if (base === null)
    throw new Error('the child listeners did not all hear the emitter');

  const timer = new Timer();
  while (timer.more()) {
    for (let i = 0; i < BURST; i++)
      emitter.emit('tick', SMALL);
    timer.done += BURST;
    const now = await counts();
    if (!now.every((count, i) => count === base[i] + timer.done))
      throw new Error(`a child listener missed some of ${timer.done} ticks`);
  }
  timer.stop();
  record('events.child.emits', timer.rate());
  record('events.child.deliveries', timer.rate() * LISTENERS);
  for (const name of names)
    await manager.deactivatePlugin(name);
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
  ['event 1 -> 100 child listeners', 'emits/s', 'events.child.emits'],
  ['event 1 -> 100 child listeners', 'deliv/s', 'events.child.deliveries'],
  ['activation -> first answer, Node child', 'ms', 'activation.child'],
  ['engine RSS, 1 active child', 'MiB', 'rss.engine'],
  ['child plugin process RSS', 'MiB', 'rss.plugin'],
  ['engine heap per registered plugin', 'KiB', 'rss.per_registered'],
  ['WebSocket, 16 B, p50', 'µs', 'call.ws.16.p50'],
  ['WebSocket, 16 B, p99', 'µs', 'call.ws.16.p99'],
  ['WebSocket, 16 B, sequential', 'calls/s', 'call.ws.16.rate'],
  ['WebSocket, 64 KiB, p50', 'µs', 'call.ws.64k.p50'],
  ['WebSocket, 64 KiB, p99', 'µs', 'call.ws.64k.p99'],
  ['WebSocket, 256 in flight', 'calls/s', 'flight.ws.rate'],
  ['WebSocket, connect -> first answer', 'ms', 'activation.ws'],
  ['engine RSS, 1 WebSocket plugin', 'MiB', 'rss.engine.ws'],
  ['socket.io, 16 B, p50', 'µs', 'call.sio.16.p50'],
  ['socket.io, 16 B, p99', 'µs', 'call.sio.16.p99'],
  ['socket.io, 16 B, sequential', 'calls/s', 'call.sio.16.rate'],
  ['socket.io, 64 KiB, p50', 'µs', 'call.sio.64k.p50'],
  ['socket.io, 64 KiB, p99', 'µs', 'call.sio.64k.p99'],
  ['socket.io, 256 in flight', 'calls/s', 'flight.sio.rate'],
  ['socket.io, connect -> first answer', 'ms', 'activation.sio'],
  ['engine RSS, 1 socket.io plugin', 'MiB', 'rss.engine.sio'],
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
  const groups = [['inproc', groupInProcess], ['child', groupChild], ['network', groupNetwork],
                  ['events', groupEvents], ['events-child', groupEventsChild],
                  ['registered', groupRegistered]];
  for (let run = 0; run < options.runs; run++) {
    for (const [name, group] of groups) {
      if (options.only !== null && !options.only.includes(name))
        continue;
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
