// listener-child.js: the Remix side's child-process listener
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// @remixproject/plugin 0.3.44 on Node's IPC channel, as echo-child.js.
// Like plugctl's bench-listener, it listens to `tick` of `emitter` once
// loaded, and its method `count` answers how many ticks it has heard.
'use strict';

const { PluginClient, createConnectorClient } = require('@remixproject/plugin');

class ListenerClient extends PluginClient {
  constructor() {
    super();
    this.methods = ['count'];
    this.heard = 0;
    this.onload(() => this.on('emitter', 'tick', () => { this.heard++; }));
  }

  count() {
    return this.heard;
  }
}

createConnectorClient({
  send: (message) => process.send(message),
  on: (callback) => process.on('message', callback),
}, new ListenerClient());
