/**
 * A loopback capture with tshark (Wireshark's command-line tool) and the
 * decoded fields of every captured frame, for the wire conformance test.
 *
 * The capture knows it is live when it has printed a marker datagram (one a
 * socket of ours sends to itself, on a port in the capture filter), and knows
 * it has everything when it has printed a second marker sent after the
 * traffic: loopback frames are captured in the order they were sent. It is
 * bounded (`-a duration`) so that a test that dies cannot leave it running.
 */
import { ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';

const LOOPBACK = '127.0.0.1';
/** The tshark to run: $TSHARK, else tshark from PATH. */
const TSHARK = process.env.TSHARK || 'tshark';

/** Where tshark is, with its version line, or why it cannot be used. */
export function findTshark(): { ok: true; version: string } | { ok: false; reason: string } {
  const probe = spawnSync(TSHARK, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) {
    const code = (probe.error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? `${TSHARK} not found (Debian: apt-get install tshark)` : `tshark --version failed: ${probe.error.message}` };
  }
  if (probe.status !== 0) return { ok: false, reason: `tshark --version exited ${probe.status}: ${probe.stderr.trim()}` };
  return { ok: true, version: probe.stdout.split('\n')[0].trim() };
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LoopbackCapture {
  private readonly output: string[] = [];
  private stderr = '';
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined = undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly marker: dgram.Socket,
    private readonly markerPort: number,
    readonly file: string,
  ) {
    let partial = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      this.output.push(...lines);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => {
        this.stderr += `\n${err.message}`;
        this.exitCode = null;
        resolve(null);
      });
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
  }

  /**
   * Captures UDP on `lo` to and from `ports` into `file` (pcapng) until stop(),
   * or `maxSeconds` at most. Resolves once the capture is live; rejects (with
   * tshark's own words) when it cannot capture, e.g. without the permission.
   */
  static async start(ports: number[], file: string, maxSeconds = 120): Promise<LoopbackCapture> {
    const marker = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => marker.bind(0, LOOPBACK, resolve));
    const markerPort = marker.address().port;
    const filter = `udp and host ${LOOPBACK} and (${[...ports, markerPort].map((p) => `port ${p}`).join(' or ')})`;
    const child = spawn(TSHARK, ['-i', 'lo', '-n', '-l', '-P', '-f', filter, '-w', file, '-a', `duration:${maxSeconds}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const capture = new LoopbackCapture(child, marker, markerPort, file);
    try {
      await capture.sendMarkerUntilSeen(15_000);
    } catch (err) {
      await capture.stop().catch(() => undefined);
      throw err;
    }
    return capture;
  }

  /** Sends a marker to the marker port every 100 ms until tshark prints one more marker line. */
  private async sendMarkerUntilSeen(timeoutMs: number): Promise<void> {
    const before = this.markerLines();
    const end = Date.now() + timeoutMs;
    while (this.markerLines() === before) {
      if (this.exitCode !== undefined) throw new Error(`tshark exited (${this.exitCode}) before capturing: ${this.stderr.trim()}`);
      if (Date.now() > end) throw new Error(`tshark printed no marker within ${timeoutMs} ms: ${this.stderr.trim()}`);
      this.marker.send(Buffer.from('wire-test marker'), this.markerPort, LOOPBACK);
      await wait(100);
    }
  }

  private markerLines(): number {
    const port = new RegExp(`\\b${this.markerPort}\\b.*\\b${this.markerPort}\\b`);
    return this.output.filter((line) => port.test(line)).length;
  }

  /** The port the markers use (its frames are not part of the traffic under test). */
  get markers(): number {
    return this.markerPort;
  }

  /** Waits until everything sent so far is captured, then stops tshark (SIGINT: it closes the file properly). */
  async finish(): Promise<void> {
    await this.sendMarkerUntilSeen(10_000);
    await this.stop();
    if (this.exitCode !== 0) throw new Error(`tshark exited ${this.exitCode}: ${this.stderr.trim()}`);
  }

  /** Stops tshark (SIGINT, then SIGKILL after 10 s) and closes the marker socket. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.exitCode === undefined) {
      this.child.kill('SIGINT');
      const killed = await Promise.race([this.exited.then(() => false), wait(10_000).then(() => true)]);
      if (killed) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    await new Promise<void>((resolve) => {
      try {
        this.marker.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** One field of a decoded frame as Wireshark shows it: `show` is the value, `showname` the line in the packet tree. */
export interface DecodedField {
  show: string;
  showname: string;
}

/** One captured frame: every field and protocol Wireshark put in the tree, by name (text items: ""), in tree order. */
export type CapturedFrame = Map<string, DecodedField[]>;

const ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(quot|amp|lt|gt|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_m, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e],
  );
}

/**
 * Decodes `file` with Wireshark's dissectors, UDP `bvlcPorts` decoded as BVLC
 * (BACnet/IP's own port 47808 is decoded so anyway), and returns every frame's
 * packet tree (tshark's PDML output: each <proto> and <field> with its name,
 * `show` and `showname`; a malformed packet shows as the protocol `_ws.malformed`,
 * expert infos as `_ws.expert.*` fields).
 */
export function readCapture(file: string, bvlcPorts: number[]): Promise<CapturedFrame[]> {
  const args = ['-r', file, '-n'];
  for (const port of bvlcPorts) args.push('-d', `udp.port==${port},bvlc`);
  args.push('-T', 'pdml');
  return new Promise((resolve, reject) => {
    execFile(TSHARK, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`tshark -r failed: ${err.message} ${stderr}`));
        return;
      }
      const frames: CapturedFrame[] = [];
      for (const packet of stdout.split('<packet>').slice(1)) {
        const frame: CapturedFrame = new Map();
        for (const tag of packet.matchAll(/<(?:field|proto)\s([^>]*?)\/?>/g)) {
          const attributes = new Map<string, string>();
          for (const a of tag[1].matchAll(/([\w-]+)="([^"]*)"/g)) attributes.set(a[1], unescapeXml(a[2]));
          // Text items (Wireshark's "Priority: (Unsigned) 8" and the like) have no name: kept under "".
          const name = attributes.get('name') ?? '';
          const list = frame.get(name) ?? [];
          list.push({ show: attributes.get('show') ?? '', showname: attributes.get('showname') ?? '' });
          frame.set(name, list);
        }
        frames.push(frame);
      }
      resolve(frames);
    });
  });
}
