// network-plugin.js: the Remix plugin the network tests serve, written
// with the unmodified @remixproject/plugin client library.
'use strict';

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

// The port on stdout once listening; exit when stdin closes (the test
// that started us ended, however it ended).
function announce (port) {
  process.stdout.write(`${port}\n`);
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

module.exports = { NetworkPlugin, announce };
