// Small helpers shared by the benchmark scripts.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samplesMs) {
  const s = Float64Array.from(samplesMs).sort();
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, mean, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] };
}

export const fmt = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : String(n));

export function isQuick(argv = process.argv) {
  return argv.includes('--quick');
}

/** A TCP port free on 127.0.0.1 right now (for a server the bench starts next). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * CPU time (user + system, in ms) process `pid` has used so far, all its threads, from
 * /proc/<pid>/stat (utime and stime, in clock ticks of 10 ms: Linux reports them in USER_HZ, 100 on
 * every architecture). Undefined where there is no /proc.
 */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Runs `load()` (an autocannon run against the server `pid`) and adds the CPU each side used per
 * answered request: `serverCpuUs` (the server process, every thread) and `clientCpuUs` (this
 * process, which is the load generator).
 */
export async function withCpu(pid, load) {
  const s0 = processCpuMs(pid);
  const c0 = process.cpuUsage();
  const r = await load();
  const s1 = processCpuMs(pid);
  const c = process.cpuUsage(c0);
  const n = r['2xx'] || r.requests.total || 1;
  return { r, serverCpuUs: s0 === undefined || s1 === undefined ? NaN : ((s1 - s0) * 1000) / n, clientCpuUs: (c.user + c.system) / n };
}
