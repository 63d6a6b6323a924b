// @ts-check
/**
 * What every bench process shares: the frames, small statistics, and bounded
 * waits. Plain Node.js, no dependencies.
 */
'use strict';

const LOOPBACK = '127.0.0.1';

/** A global Who-Is NPDU (DESIGN.md). */
const WHO_IS_NPDU = Buffer.from('0120ffff00ff1008', 'hex');
/** The same NPDU as Distribute-Broadcast-To-Network: the 12-octet frame every send-path variant puts on the wire. */
const DBTN_FRAME = Buffer.from('81090' + '00c' + '0120ffff00ff1008', 'hex');

/** Distinct device instances per origin port: 22 bits. */
const INSTANCES = 0x400000;

/** Octets of the Forwarded-NPDU below: 4 header + 6 origin + 17 NPDU. */
const FORWARDED_IAM_LENGTH = 27;

/**
 * A Forwarded-NPDU carrying an I-Am from device `n mod 2^22` (origin port 47808 + n div 2^22),
 * so that every n gives a distinct NPDU from a distinct origin (fd-receive drops repeats within 1 s):
 * 81 04 00 1b | 7f 00 00 01 <port> | 01 00 | 10 00 c4 <type 8, instance> 22 05 c4 91 03 22 01 04
 * @param {number} n
 */
function forwardedIAm(n) {
  const out = Buffer.allocUnsafe(FORWARDED_IAM_LENGTH);
  out[0] = 0x81;
  out[1] = 0x04;
  out.writeUInt16BE(FORWARDED_IAM_LENGTH, 2);
  out[4] = 127;
  out[5] = 0;
  out[6] = 0;
  out[7] = 1;
  out.writeUInt16BE((47808 + Math.floor(n / INSTANCES)) & 0xffff, 8);
  out[10] = 0x01;
  out[11] = 0x00;
  out[12] = 0x10;
  out[13] = 0x00;
  out[14] = 0xc4;
  out.writeUInt32BE(((8 << 22) | (n % INSTANCES)) >>> 0, 15);
  TAIL.copy(out, 19);
  return out;
}
/** max APDU 1476, no segmentation, vendor 260. */
const TAIL = Buffer.from('2205c49103220104', 'hex');

/** @param {number[]} values */
function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** @param {number} ms */
function pause(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` every `everyMs` until it holds; throws naming `what` after `ms`.
 * @param {() => boolean | Promise<boolean>} check @param {number} ms @param {string} what @param {number} [everyMs]
 */
async function until(check, ms, what, everyMs = 5) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await pause(everyMs);
  }
}

/** CPU microseconds (user + system, every thread of this process) since `since`. @param {NodeJS.CpuUsage} [since] */
function cpuMicros(since) {
  const u = process.cpuUsage(since);
  return u.user + u.system;
}

module.exports = { LOOPBACK, WHO_IS_NPDU, DBTN_FRAME, INSTANCES, forwardedIAm, median, pause, until, cpuMicros };
