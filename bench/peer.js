#!/usr/bin/env node
// @ts-check
/**
 * The bench's "other process" on the far side of the socket: a minimal BBMD on
 * 127.0.0.1 (a port that was free), run by bench/run.js with an IPC channel.
 *
 * - It answers Register-Foreign-Device and Delete-FDT-Entry with 0000 and Read-FDT
 *   with an empty table, so fd-broadcast and fd-receive register with it, and it
 *   remembers the last foreign device that registered.
 * - It counts every Distribute-Broadcast-To-Network frame it receives (the send path),
 *   so that nothing the senders send is dropped unseen.
 * - On request it sends Forwarded-NPDUs (distinct I-Ams, see lib.forwardedIAm) from
 *   this same socket, the BBMD's address, to the foreign device or to any port:
 *   as fast as it can, or paced at a given rate.
 *
 * The test suite's emulator (test/support/bbmd-emulator.ts) logs and emits every
 * frame, which is right for tests and too slow for 100,000 frames a second; the
 * deploy and close figures use that emulator (bench/run.js).
 */
'use strict';

const dgram = require('node:dgram');
const { LOOPBACK, forwardedIAm } = require('./lib');

const RESULT_OK = Buffer.from('810000060000', 'hex');
const READ_FDT_ACK_EMPTY = Buffer.from('81070004', 'hex');

const socket = dgram.createSocket({ type: 'udp4' });
/** @type {{ address: string, port: number } | null} */
let registrant = null;
let dbtn = 0;
let other = 0;
/** The next I-Am instance: never repeats within a run. */
let serial = 0;

socket.on('error', (err) => send({ type: 'error', message: err.message }));
socket.on('message', (msg, rinfo) => {
  const fn = msg.length >= 4 && msg[0] === 0x81 ? msg[1] : -1;
  if (fn === 0x09) {
    dbtn++;
    return;
  }
  other++;
  if (fn === 0x05) {
    registrant = { address: rinfo.address, port: rinfo.port };
    socket.send(RESULT_OK, rinfo.port, rinfo.address);
  } else if (fn === 0x08) {
    socket.send(RESULT_OK, rinfo.port, rinfo.address);
  } else if (fn === 0x06) {
    socket.send(READ_FDT_ACK_EMPTY, rinfo.port, rinfo.address);
  }
});

/** @param {object} message */
function send(message) {
  if (process.send) process.send(message);
}

/**
 * Sends Forwarded-NPDUs to `to`: `total` of them (or for `durationMs`), paced at
 * `rate` per second (0 = as fast as this process can). Resolves with what was sent.
 * @param {{ to: { address: string, port: number }, total?: number, durationMs?: number, rate?: number }} job
 */
function blast(job) {
  const { to } = job;
  const total = job.total ?? Infinity;
  const rate = job.rate ?? 0;
  const started = process.hrtime.bigint();
  const endAt = job.durationMs ? started + BigInt(Math.round(job.durationMs * 1e6)) : null;
  let sent = 0;
  let failed = 0;
  /** @param {Error | null} err */
  const onSent = (err) => {
    if (err) failed++;
  };
  // Unpaced, the socket is connected for the blast: a connected send skips the
  // address lookup dgram does per datagram, so this process offers more than the
  // receiver can take. (Connected, it still hears the foreign device it sends to.)
  const connected = rate === 0;
  return new Promise((resolve) => {
    const finish = () => {
      const ended = process.hrtime.bigint();
      if (connected) socket.disconnect();
      resolve({ sent, failed, started: started.toString(), ended: ended.toString() });
    };
    const step = () => {
      const now = process.hrtime.bigint();
      if (sent >= total || (endAt !== null && now >= endAt)) {
        finish();
        return;
      }
      // Paced: as many as are due by now (at most 256 at once); else a batch of 256.
      const due = rate > 0 ? Math.min(total, Math.floor((Number(now - started) / 1e9) * rate)) - sent : 256;
      const count = Math.min(256, due, total - sent);
      for (let i = 0; i < count; i++) {
        if (connected) socket.send(forwardedIAm(serial++), onSent);
        else socket.send(forwardedIAm(serial++), to.port, to.address, onSent);
        sent++;
      }
      // Paced sends wait for the next millisecond; unpaced ones let I/O run and go on.
      if (rate > 0) setTimeout(step, 1);
      else setImmediate(step);
    };
    if (connected) socket.connect(to.port, to.address, step);
    else step();
  });
}

process.on('message', (/** @type {any} */ message) => {
  switch (message.cmd) {
    case 'reset':
      dbtn = 0;
      other = 0;
      send({ type: 'reset' });
      return;
    case 'count':
      send({ type: 'count', dbtn, other, registrant });
      return;
    case 'blast': {
      const to = message.to === 'registrant' ? registrant : message.to;
      if (!to) {
        send({ type: 'blasted', error: 'no foreign device has registered' });
        return;
      }
      void blast({ ...message, to }).then((result) => send({ type: 'blasted', ...result }));
      return;
    }
    case 'stop':
      socket.close(() => process.exit(0));
      return;
    default:
      send({ type: 'error', message: `unknown command ${JSON.stringify(message.cmd)}` });
  }
});
process.on('disconnect', () => process.exit(0));

/** A port that was free a moment ago: bound explicitly, a socket keeps it across connect() and disconnect() (Linux releases an automatic port on disconnect). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = dgram.createSocket('udp4');
    probe.once('error', reject);
    probe.bind(0, LOOPBACK, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

void freePort().then((port) => socket.bind(port, LOOPBACK, () => {
  // Room for bursts: the kernel caps this at net.core.rmem_max / wmem_max.
  socket.setRecvBufferSize(8 * 1024 * 1024);
  socket.setSendBufferSize(8 * 1024 * 1024);
  send({ type: 'ready', port: socket.address().port, rcvbuf: socket.getRecvBufferSize() });
}));
