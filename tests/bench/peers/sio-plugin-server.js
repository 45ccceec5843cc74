// sio-plugin-server.js: the echo plugin served by an unmodified socket.io 4
// server, the seed's SocketIOConnector (each message is the argument of a
// `message` event). socket.io's default ping period: on a busy 2-vCPU
// machine a short ping deadline is missed mid-benchmark.
// Usage: node sio-plugin-server.js [PORT]; prints the port.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
'use strict';

const { EchoPlugin, fromPeers, listen, createServer } = require('./peer-common');

const { Server } = fromPeers('socket.io');
const { connectClient, applyApi } = fromPeers('@remixproject/plugin');

class SocketIOConnector {
  constructor (socket) { this.socket = socket; }
  send (message) { this.socket.emit('message', message); }
  on (cb) { this.socket.on('message', cb); }
}

const httpServer = createServer();
const io = new Server(httpServer);

io.on('connection', (socket) => {
  const client = new EchoPlugin();
  connectClient(new SocketIOConnector(socket), client);
  applyApi(client);
});
listen(httpServer, 'sio-plugin-server');
