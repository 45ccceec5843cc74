// echo-child.js: the Remix side's child-process echo plugin
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// @remixproject/plugin 0.3.44 on Node's IPC channel (the two-line
// process.send connector of Remix's child-process client). Like plugctl's
// echo plugin, `echo` emits `echoed` with its argument, then returns it.
'use strict';

const { PluginClient, createConnectorClient } = require('@remixproject/plugin');

class EchoClient extends PluginClient {
  constructor() {
    super();
    this.methods = ['echo'];
  }

  echo(value) {
    this.emit('echoed', value);
    return value;
  }
}

createConnectorClient({
  send: (message) => process.send(message),
  on: (callback) => process.on('message', callback),
}, new EchoClient());
