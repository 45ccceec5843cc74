// node-echo.js: the echo plugin in Node.js, with no package at all
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Speaks the plugin protocol over Node's own IPC channel (process.send and
// process.on('message')), which is what plugctl's child-process connector
// gives a plugin. Node exits by itself when the channel closes.
'use strict';

const methods = {
  echo(value) {
    emit('echoed', [value === undefined ? null : value]);
    return value === undefined ? null : value;
  },
  sum(...numbers) {
    return numbers.reduce((total, n, i) => {
      if (typeof n !== 'number')
        throw new Error(`sum: argument ${i} must be a number, got ${JSON.stringify(n)}`);
      return total + n;
    }, 0);
  },
  fail(text) {
    throw new Error(text === undefined ? 'failed' : String(text));
  },
  slow(ms, value, request) {
    if (typeof ms !== 'number' || ms < 0)
      throw new Error(`slow: ${JSON.stringify(ms)} is not a delay in milliseconds`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        running.delete(request.id);
        resolve(value === undefined ? null : value);
      }, ms);
      running.set(request.id, () => clearTimeout(timer));
    });
  },
  ping() {
    return 'pong';
  },
};

// Engine request id → what stops that call, for the calls that wait. A
// cancelled call's promise never settles, so it is never answered.
const running = new Map();
let name = null;

function send(message) {
  if (process.connected)
    process.send(message);
}

function emit(key, payload) {
  send({ action: 'emit', key, payload });
}

function respond(request, result, error) {
  const { name, key, id } = request;
  if (error !== undefined)
    send({ action: 'response', name, key, id, error });
  else
    send({ action: 'response', name, key, id, payload: result });
}

async function serve(request) {
  const method = methods[request.key];
  if (!Object.prototype.hasOwnProperty.call(methods, request.key)) {
    respond(request, undefined, `Method ${request.key} doesn't exist on plugin ${request.name || name}`);
    return;
  }
  const args = Array.isArray(request.payload) ? request.payload : [];
  try {
    const result = await (request.key === 'slow'
      ? method(args[0], args[1], request)
      : method(...args));
    respond(request, result);
  } catch (err) {
    respond(request, undefined, err && err.message ? err.message : String(err));
  }
}

function cancel(id) {
  const stop = running.get(id);
  if (stop === undefined)
    return;
  running.delete(id);
  stop();
}

process.on('message', (message) => {
  if (message === null || typeof message !== 'object')
    return;
  const { action, key } = message;

  if ((action === 'request' || action === 'call') && key === 'handshake') {
    if (name === null)
      name = Array.isArray(message.payload) ? message.payload[0] : message.name;
    respond(message, Object.keys(methods));
    return;
  }

  if (action === 'request' || action === 'call') {
    if (name === null)
      respond(message, undefined, 'Handshake before communicating');
    else
      serve(message);
  } else if (action === 'cancel') {
    cancel(message.id);
  }
});

// A pending `slow` timer would keep Node alive after the engine left.
process.on('disconnect', () => process.exit(0));
