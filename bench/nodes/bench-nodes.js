// @ts-check
/**
 * Bench-only node types, loaded through Node-RED's `nodesDir` by bench/red-child.js
 * (never part of the package). Each does as little as it can, so that what the
 * bench measures is the node under test and Node-RED's own message handling:
 *
 * - bench-source: an inject-like source. `run(total, batch, payload)` sends `total`
 *   messages `{ payload }`, `batch` per event-loop turn (setImmediate between
 *   batches, so the loop breathes: deliveries, send callbacks and I/O run between).
 * - bench-noop: receives and calls done(). Node-RED's own floor: delivery only.
 * - bench-floor: sends one prebuilt frame per message with dgram and calls done()
 *   from the send callback; nothing else. The floor of a sending node.
 * - bench-sink: counts what arrives (and, with `topics`, when each msg.topic first came).
 * - bench-points: counts fd-read's answers and the reads that failed in them (an array's
 *   elements with `error`); `after(n)` resolves once n more messages have arrived.
 */
'use strict';

const dgram = require('node:dgram');

/** @param {any} RED */
module.exports = function (RED) {
  /** @this {any} @param {any} def */
  function BenchSource(def) {
    RED.nodes.createNode(this, def);
    const node = this;
    /**
     * @param {number} total @param {number} batch @param {unknown} payload
     * @returns {Promise<void>} resolves once every message has been handed to node.send()
     */
    node.run = (total, batch, payload) =>
      new Promise((resolve) => {
        let sent = 0;
        const step = () => {
          const end = Math.min(total, sent + batch);
          for (; sent < end; sent++) node.send({ payload });
          if (sent < total) setImmediate(step);
          else resolve();
        };
        step();
      });
  }
  RED.nodes.registerType('bench-source', BenchSource);

  /** @this {any} @param {any} def */
  function BenchNoop(def) {
    RED.nodes.createNode(this, def);
    this.on('input', (/** @type {any} */ _msg, /** @type {any} */ _send, /** @type {() => void} */ done) => done());
  }
  RED.nodes.registerType('bench-noop', BenchNoop);

  /** @this {any} @param {any} def */
  function BenchFloor(def) {
    RED.nodes.createNode(this, def);
    const frame = Buffer.from(String(def.frame), 'hex');
    const port = Number(def.port);
    const address = String(def.address);
    const socket = dgram.createSocket('udp4');
    socket.on('error', () => undefined);
    this.on('input', (/** @type {any} */ _msg, /** @type {any} */ _send, /** @type {(err?: Error) => void} */ done) => {
      socket.send(frame, port, address, (err) => done(err || undefined));
    });
    this.on('close', (/** @type {() => void} */ done) => {
      try {
        socket.close(done);
      } catch {
        done();
      }
    });
  }
  RED.nodes.registerType('bench-floor', BenchFloor);

  /** @this {any} @param {any} def */
  function BenchSink(def) {
    RED.nodes.createNode(this, def);
    const node = this;
    node.count = 0;
    /** With `topics` set, when each msg.topic first arrived (process.hrtime.bigint()). @type {Map<unknown, bigint> | null} */
    node.topics = def.topics ? new Map() : null;
    this.on('input', (/** @type {any} */ msg, /** @type {any} */ _send, /** @type {() => void} */ done) => {
      node.count++;
      if (node.topics && !node.topics.has(msg.topic)) node.topics.set(msg.topic, process.hrtime.bigint());
      done();
    });
  }
  RED.nodes.registerType('bench-sink', BenchSink);

  /** @this {any} @param {any} def */
  function BenchPoints(def) {
    RED.nodes.createNode(this, def);
    const node = this;
    node.count = 0;
    node.failed = 0;
    node.firstError = '';
    /** @type {{ at: number, resolve: () => void } | null} */
    let waiter = null;
    /** @param {number} n @returns {Promise<void>} */
    node.after = (n) => new Promise((resolve) => (waiter = { at: node.count + n, resolve }));
    this.on('input', (/** @type {any} */ msg, /** @type {any} */ _send, /** @type {() => void} */ done) => {
      node.count++;
      if (Array.isArray(msg.payload)) {
        for (const element of msg.payload) {
          if (element && element.error !== undefined) {
            node.failed++;
            node.firstError ||= String(element.error);
          }
        }
      }
      if (waiter && node.count >= waiter.at) {
        const w = waiter;
        waiter = null;
        w.resolve();
      }
      done();
    });
  }
  RED.nodes.registerType('bench-points', BenchPoints);
};
