// remix-plugin.js: a plugin written with the real Remix client library
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// @remixproject/plugin 0.3.44, unmodified, on Node's IPC channel: the
// connector is the two lines Remix's child-process client used. Run under
// plugctl by test-remix-interop.
'use strict';

const { PluginClient, createConnectorClient } = require('@remixproject/plugin');

class RemixPlugin extends PluginClient {
  constructor() {
    super();
    // `missing` is advertised but not implemented, on purpose.
    this.methods = ['hello', 'add', 'boom', 'relay', 'relayFail', 'missing'];
  }

  hello(name) {
    return `Hello ${name}!`;
  }

  add(a, b) {
    return a + b;
  }

  boom() {
    throw new Error('boom');
  }

  // Calls another plugin through the engine, then tells who listens.
  async relay(text) {
    const echoed = await this.call('echo', 'echo', text);
    this.emit('relayed', echoed);
    return echoed;
  }

  async relayFail(text) {
    return this.call('echo', 'fail', text);
  }
}

createConnectorClient({
  send: (message) => process.send(message),
  on: (callback) => process.on('message', callback),
}, new RemixPlugin());
