// ws-plugin-server.js: a Remix plugin served over WebSocket with the
// unmodified @remixproject/plugin-ws client library and the `ws` server
// it is made for. Usage: node ws-plugin-server.js [PORT [CERT KEY]]
// Listens on 127.0.0.1:PORT (0 or none: a free port), over TLS with the
// PEM files CERT and KEY when given, and prints the port.
'use strict';

const WebSocket = require('ws');
const { createClient } = require('@remixproject/plugin-ws');
const { NetworkPlugin, createServer, listen } = require('./network-plugin');

const httpServer = createServer();
const server = new WebSocket.Server({ server: httpServer });

server.on('connection', (socket) => {
  createClient(socket, new NetworkPlugin());
});
listen(httpServer, 'ws-plugin-server');
