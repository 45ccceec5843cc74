// sio-plugin-server.js: a Remix plugin served by an unmodified socket.io 4
// server, the seed's SocketIOConnector: the client library's messages
// travel as the event `message` whose argument is the message object.
// Usage: node sio-plugin-server.js [PORT [CERT KEY]]
// Listens on 127.0.0.1:PORT (0 or none: a free port), over TLS with the
// PEM files CERT and KEY when given, and prints the port.
'use strict';

const { Server } = require('socket.io');
const { connectClient, applyApi } = require('@remixproject/plugin');
const { NetworkPlugin, createServer, listen } = require('./network-plugin');

class SocketIOConnector {
  constructor (socket) { this.socket = socket; }
  send (message) { this.socket.emit('message', message); }
  on (cb) { this.socket.on('message', cb); }
}

const httpServer = createServer();
// Short ping periods, so that the tests see the engine answer pings.
const io = new Server(httpServer, { pingInterval: 300, pingTimeout: 300 });

io.on('connection', (socket) => {
  const client = new NetworkPlugin();
  connectClient(new SocketIOConnector(socket), client);
  applyApi(client);
});

listen(httpServer, 'sio-plugin-server');
