/* plugctl-client.js: plugctl plugins that live in a web page
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plain ES2017, no build step. Works in a window, in an iframe and in a
 * dedicated Web Worker; it defines one global, `plugctl`.
 *
 *   <script src="plugctl-client.js"></script>      (a window or an iframe)
 *   importScripts('plugctl-client.js');            (a worker)
 *
 * The engine must listen: `plugctl daemon --listen ws://127.0.0.1:0`
 * prints {"listen": "ws://127.0.0.1:PORT/plugctl", "token": "..."}; give
 * both to the page (the example passes them in the page's #fragment).
 * Each plugin opens one WebSocket, claiming the name of a manifest whose
 * "connector" is "browser":
 *
 *   const plugin = plugctl.connect(url, token, 'worker-echo', {
 *     methods: {
 *       echo (value) { return value; },                  // a result
 *       async later (ms) { ... return 42; },             // a Promise
 *       fail (text) { throw new Error(text); },          // an error response
 *     },
 *   });
 *   await plugin.ready;                     // the engine activated the plugin
 *   plugin.emit('changed', 1, 2);           // an event, its payload [1, 2]
 *   const r = await plugin.call('echo', 'echo', 'hi');   // another plugin
 *   plugin.on('ticker', 'tick', (n) => console.log(n));  // its events
 *   plugin.off('ticker', 'tick');
 *   plugin.close();                         // the engine deactivates it
 *
 * connect(url, token, name, options):
 *   url      the "listen" URL the engine printed
 *   token    the token it printed (or was given with --token)
 *   name     the plugin's name: its manifest must have "connector": "browser"
 *   options  {methods: {name: function}, onClose: function ({code, reason})}
 *
 * A method is called with the request's arguments, and `this` set to
 * {plugin, requestInfo} (requestInfo.from: the caller). What it returns,
 * or what its Promise resolves to, is the result (undefined: null); what
 * it throws or rejects with is the error text the caller gets (an
 * Error's message). Only the methods given are exposed: the answer to the
 * engine's handshake lists them.
 *
 * plugin.ready resolves once the engine sent its handshake and got the
 * answer: emit/call/on made earlier wait for it. plugin.closed resolves
 * with {code, reason} when the connection ends: calls still pending
 * reject. The engine refuses a wrong token, a name without a browser
 * manifest, or a name another live connection claimed: the socket then
 * closes at once (code 1006) and the engine logs why. The client does not
 * reconnect by itself; a page that wants to come back calls connect()
 * again (a connection for an inactive plugin activates it).
 *
 * Wire: the Remix plugin protocol, one JSON text frame per message
 * (plugctl-protocol(7)); this client answers the handshake with plugctl
 * protocol version 1 when the engine offers it.
 */
(function (global) {
  'use strict';

  const PROTOCOL_VERSION = 1;

  function errorText (error) {
    if (error instanceof Error)
      return error.message;
    if (typeof error === 'string')
      return error;
    try {
      return JSON.stringify(error);
    } catch (e) {
      return String(error);
    }
  }

  function listenerKey (plugin, key) {
    return plugin + '\n' + key;
  }

  class PlugctlPlugin {
    constructor (url, token, name, options) {
      options = options || {};
      this.name = name;
      this.methods = options.methods || {};
      this.onClose = options.onClose || null;
      this.activated = false;
      this.nextId = 0;
      this.pending = new Map();    /* our request id -> {resolve, reject} */
      this.listeners = new Map();  /* "plugin\nkey" -> [callback] */
      this.queue = [];             /* messages waiting for the handshake */

      this.ready = new Promise((resolve) => { this.resolveReady = resolve; });
      this.closed = new Promise((resolve) => { this.resolveClosed = resolve; });

      const address = new URL(url);
      address.searchParams.set('name', name);
      address.searchParams.set('token', token);
      this.socket = new WebSocket(address.toString());
      this.socket.onmessage = (event) => this.receive(event.data);
      this.socket.onclose = (event) => this.closedBy(event.code, event.reason);
    }

    /* Sending */

    write (message) {
      if (this.socket.readyState === WebSocket.OPEN)
        this.socket.send(JSON.stringify(message));
    }

    send (message) {
      if (this.activated)
        this.write(message);
      else
        this.queue.push(message);
    }

    emit (key, ...payload) {
      this.send({ action: 'emit', key, payload });
    }

    call (plugin, key, ...args) {
      const id = ++this.nextId;

      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.send({ action: 'request', name: plugin, key, id, payload: args });
      });
    }

    on (plugin, key, callback) {
      const lkey = listenerKey(plugin, key);
      const callbacks = this.listeners.get(lkey);

      if (callbacks) {
        callbacks.push(callback);
        return;
      }
      this.listeners.set(lkey, [callback]);
      this.send({ action: 'on', name: plugin, key });
    }

    off (plugin, key) {
      if (this.listeners.delete(listenerKey(plugin, key)))
        this.send({ action: 'off', name: plugin, key });
    }

    close () {
      this.socket.close(1000);
    }

    /* Receiving */

    receive (data) {
      let message;

      try {
        message = JSON.parse(data);
      } catch (e) {
        console.warn(`plugctl: ${this.name}: a message that is not JSON: ${data}`);
        return;
      }
      switch (message.action) {
        case 'request':
          if (message.key === 'handshake')
            this.answerHandshake(message);
          else
            this.serve(message);
          break;
        case 'response':
          this.settle(message);
          break;
        case 'notification':
          this.deliver(message);
          break;
        default:
          break;  /* e.g. cancel: the method's answer is dropped by the engine */
      }
    }

    answerHandshake (request) {
      const offered = request.protocol && request.protocol.versions;
      const response = {
        action: 'response', name: request.name, key: request.key, id: request.id,
        payload: Object.keys(this.methods).filter((m) => typeof this.methods[m] === 'function'),
      };

      if (Array.isArray(offered) && offered.includes(PROTOCOL_VERSION))
        response.protocol = { version: PROTOCOL_VERSION };
      this.write(response);
      if (this.activated)
        return;
      this.activated = true;
      for (const message of this.queue.splice(0))
        this.write(message);
      this.resolveReady(this);
    }

    serve (request) {
      const method = this.methods[request.key];
      const context = { plugin: this, requestInfo: request.requestInfo };
      const answer = (fields) => this.write(Object.assign(
        { action: 'response', name: request.name, key: request.key, id: request.id }, fields));

      if (typeof method !== 'function') {
        answer({ error: `Method "${request.key}" is not exposed by ${this.name}` });
        return;
      }
      new Promise((resolve) => resolve(method.apply(context, request.payload || [])))
        .then((result) => answer({ payload: result === undefined ? null : result }),
              (error) => answer({ error: errorText(error) }));
    }

    settle (response) {
      const call = this.pending.get(response.id);

      if (!call)
        return;
      this.pending.delete(response.id);
      if (response.error !== undefined)
        call.reject(new Error(response.error));
      else
        call.resolve(response.payload === undefined ? null : response.payload);
    }

    deliver (notification) {
      const callbacks = this.listeners.get(listenerKey(notification.name, notification.key));

      for (const callback of callbacks || []) {
        try {
          callback(...(notification.payload || []));
        } catch (e) {
          console.warn(`plugctl: ${this.name}: a listener of ${notification.name}.${notification.key} threw: ${errorText(e)}`);
        }
      }
    }

    closedBy (code, reason) {
      const error = new Error(`plugctl: the connection of ${this.name} closed (code ${code}${reason ? ': ' + reason : ''})`);

      for (const call of this.pending.values())
        call.reject(error);
      this.pending.clear();
      this.activated = false;
      this.resolveClosed({ code, reason });
      if (this.onClose)
        this.onClose({ code, reason });
    }
  }

  function connect (url, token, name, options) {
    return new PlugctlPlugin(url, token, name, options);
  }

  global.plugctl = { connect, PlugctlPlugin, PROTOCOL_VERSION };
})(typeof self !== 'undefined' ? self : globalThis);
