/* worker-echo.js: a plugctl plugin in a dedicated Web Worker
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Started by example.html, which posts it {url, token}. Methods as the
 * bundled echo plugin: echo (emits `echoed` with its argument first),
 * sum, fail; and wait(ms), which emits `waiting` [ms] and answers ms
 * after ms milliseconds.
 */
'use strict';

importScripts('plugctl-client.js');

self.onmessage = (event) => {
  const { url, token } = event.data;
  const plugin = plugctl.connect(url, token, 'worker-echo', {
    methods: {
      echo (value) {
        plugin.emit('echoed', value);
        return value;
      },
      sum (...numbers) {
        return numbers.reduce((total, n) => total + n, 0);
      },
      fail (text) {
        throw new Error(text || 'failed as asked');
      },
      wait (ms) {
        plugin.emit('waiting', ms);
        return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
      },
    },
    onClose: ({ code }) => self.postMessage(`closed (code ${code})`),
  });

  plugin.ready.then(() => self.postMessage('worker-echo is active'));
};
