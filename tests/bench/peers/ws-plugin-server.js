// ws-plugin-server.js: the echo plugin served over WebSocket by a `ws`
// server with the unmodified @remixproject/plugin-ws client library.
// Usage: node ws-plugin-server.js [PORT]; prints the port.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
'use strict';

const { EchoPlugin, fromPeers, listen, createServer } = require('./peer-common');

const WebSocket = fromPeers('ws');
const { createClient } = fromPeers('@remixproject/plugin-ws');

const httpServer = createServer();
const server = new WebSocket.Server({ server: httpServer });

server.on('connection', (socket) => {
  createClient(socket, new EchoPlugin());
});
listen(httpServer, 'ws-plugin-server');
