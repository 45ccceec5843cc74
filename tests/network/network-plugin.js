// network-plugin.js: the Remix plugin the network tests serve, written
// with the unmodified @remixproject/plugin client library.
'use strict';

const fs = require('fs');
const http = require('http');
const https = require('https');
const { PluginClient } = require('@remixproject/plugin');

class NetworkPlugin extends PluginClient {
  constructor () {
    super();
    this.methods = ['echo', 'sum', 'fail', 'hang', 'shout', 'askHost'];
  }

  echo (value) { return value; }
  sum (a, b) { return a + b; }
  fail (text) { throw new Error(text); }
  hang () { return new Promise(() => {}); }

  shout (value) {
    this.emit('shouted', value);
    return 'shouted';
  }

  // Calls back into the engine: the in-process plugin "host".
  async askHost (value) {
    return await this.call('host', 'greet', value);
  }
}

// The server of a peer's command line `[PORT [CERT KEY]]`: HTTP, or
// HTTPS with the PEM certificate chain CERT and its key KEY.
function createServer () {
  const [certFile, keyFile] = process.argv.slice(3);

  if (!certFile)
    return http.createServer();
  return https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) });
}

// Listens on 127.0.0.1:PORT (0 or none: a free port), prints the port on
// stdout once listening, and exits when stdin closes (the test that
// started us ended, however it ended).
function listen (server, name) {
  server.on('error', (error) => {
    console.error(`${name}: ${error.message}`);
    process.exit(1);
  });
  server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
    process.stdout.write(`${server.address().port}\n`);
    process.stdin.on('end', () => process.exit(0));
    process.stdin.resume();
  });
}

module.exports = { NetworkPlugin, createServer, listen };
