/**
 * A suite that needs a program of the machine (tshark, chromium): skipped with
 * a line saying why where it is missing, except where CI is set — .ci/run
 * installs it there, so its absence is a failure, not a skip.
 */
export type ProgramFound = { ok: true } | { ok: false; reason: string };

/** Call in before(): returns when `found` is ok; else fails under CI, or skips the suite. */
export function needProgram<F extends ProgramFound>(ctx: Mocha.Context, found: F, program: string, suite: string): asserts found is Extract<F, { ok: true }> {
  if (found.ok) return;
  const { reason } = found as Extract<ProgramFound, { ok: false }>;
  if (process.env.CI) throw new Error(`CI needs ${program} for ${suite} (.ci/run installs it): ${reason}`);
  console.log(`      SKIPPED: ${reason}; ${suite} needs it.`);
  ctx.skip();
}
