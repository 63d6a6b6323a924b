// @ts-check
/**
 * Child processes with an IPC channel, for bench/run.js: typed waits on their
 * messages, every wait bounded, and a kill that is sure to happen.
 */
'use strict';

const { fork } = require('node:child_process');

class Child {
  /**
   * @param {string} script @param {string[]} args @param {string[]} execArgv @param {string} label
   */
  constructor(script, args, execArgv, label) {
    this.label = label;
    /** @type {any[]} */
    this.inbox = [];
    /** @type {{ types: string[], resolve: (m: any) => void, reject: (e: Error) => void, timer: NodeJS.Timeout }[]} */
    this.waiters = [];
    this.stderr = '';
    this.exited = false;
    this.proc = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.proc.stderr?.on('data', (chunk) => {
      this.stderr += String(chunk);
      if (this.stderr.length > 20000) this.stderr = this.stderr.slice(-20000);
    });
    this.proc.on('message', (message) => this.onMessage(message));
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`${label} exited (${signal ?? code}) while waiting${this.stderr ? `:\n${this.stderr.slice(-3000)}` : ''}`);
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(err);
      }
    });
  }

  /** @param {any} message */
  onMessage(message) {
    if (message && message.type === 'error') {
      const err = new Error(`${this.label}: ${message.message}`);
      for (const w of this.waiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(err);
      }
      this.failure = err;
      return;
    }
    const at = this.waiters.findIndex((w) => w.types.includes(message.type));
    if (at !== -1) {
      const [w] = this.waiters.splice(at, 1);
      clearTimeout(w.timer);
      w.resolve(message);
    } else this.inbox.push(message);
  }

  /** @param {object} message */
  send(message) {
    if (!this.exited) this.proc.send(message);
  }

  /**
   * The next message of `type` (or of any type in a list), already received or to come, within `ms`.
   * @param {string | string[]} type @param {number} ms @returns {Promise<any>}
   */
  wait(type, ms) {
    if (this.failure) return Promise.reject(this.failure);
    const types = Array.isArray(type) ? type : [type];
    const at = this.inbox.findIndex((m) => types.includes(m.type));
    if (at !== -1) return Promise.resolve(this.inbox.splice(at, 1)[0]);
    if (this.exited) return Promise.reject(new Error(`${this.label} has exited`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`${this.label}: no "${types.join('/')}" within ${ms} ms${this.stderr ? `\n${this.stderr.slice(-3000)}` : ''}`));
      }, ms);
      this.waiters.push({ types, resolve, reject, timer });
    });
  }

  /** @param {object} message @param {string | string[]} type @param {number} ms */
  request(message, type, ms) {
    const answer = this.wait(type, ms);
    this.send(message);
    return answer;
  }

  /** Asks it to stop, then kills it if it has not exited within `ms`. @param {number} ms */
  async stop(ms = 5000) {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.send({ cmd: 'stop' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), ms);
    await exited;
    clearTimeout(timer);
  }

  kill() {
    if (!this.exited) this.proc.kill('SIGKILL');
  }
}

module.exports = { Child };
