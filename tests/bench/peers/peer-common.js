// peer-common.js: what the benchmark's Node peers share
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The peers are copies of tests/network's (whose node_modules they use:
// $PLUGCTL_BENCH_PEERS_DIR, default tests/network), kept here so that the
// benchmark does not follow that test suite's changes, with an `echo`
// plugin on the unmodified @remixproject/plugin client library.
'use strict';

const http = require('http');
const path = require('path');

const peersDir = path.resolve(process.env.PLUGCTL_BENCH_PEERS_DIR ||
                              path.join(__dirname, '..', '..', 'network'));

// A module from the peers' node_modules.
function fromPeers (name) {
  return require(require.resolve(name, { paths: [peersDir] }));
}

const { PluginClient } = fromPeers('@remixproject/plugin');

class EchoPlugin extends PluginClient {
  constructor () {
    super();
    this.methods = ['echo'];
  }

  echo (value) { return value; }
}

// Listens on 127.0.0.1:PORT (argv[2]; 0 or none: a free port), prints the
// port once listening, and exits when stdin closes (the benchmark that
// started us ended, however it ended).
function listen (server, name) {
  server.on('error', (error) => {
    console.error(`${name}: ${error.message}`);
    process.exit(1);
  });
  server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
    process.stdout.write(`${server.address().port}\n`);
    process.stdin.on('end', () => {
      // To tell the peer's share of a call from the engine's.
      if (process.env.PLUGCTL_BENCH_PEER_CPU) {
        const { user, system } = process.cpuUsage();
        process.stderr.write(`${name}: CPU ${(user / 1e3).toFixed(1)} ms user, ` +
                             `${(system / 1e3).toFixed(1)} ms system\n`);
      }
      process.exit(0);
    });
    process.stdin.resume();
  });
}

module.exports = { EchoPlugin, fromPeers, listen, createServer: () => http.createServer() };
