// ws-plugin-server.js: a Remix plugin served over WebSocket with the
// unmodified @remixproject/plugin-ws client library and the `ws` server
// it is made for. Usage: node ws-plugin-server.js [PORT]
// Listens on 127.0.0.1:PORT (0 or none: a free port) and prints the port.
'use strict';

const WebSocket = require('ws');
const { createClient } = require('@remixproject/plugin-ws');
const { NetworkPlugin, announce } = require('./network-plugin');

const server = new WebSocket.Server({ host: '127.0.0.1', port: Number(process.argv[2] || 0) });

server.on('connection', (socket) => {
  createClient(socket, new NetworkPlugin());
});
server.on('listening', () => announce(server.address().port));
server.on('error', (error) => {
  console.error(`ws-plugin-server: ${error.message}`);
  process.exit(1);
});
