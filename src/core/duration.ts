/**
 * Durations in config and annotations: `"15m"`, `"90s"`, `"2h"`, `"7d"`, `"250ms"`, or ISO-8601
 * (`"PT15M"`, `"P1DT2H"`). Returns milliseconds; throws a TypeError naming the bad text.
 */
const SHORT = /^(\d+)(ms|s|m|h|d)$/;
const ISO = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseDuration(text: string): number {
  const s = text.trim();
  const short = SHORT.exec(s);
  if (short) return Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS];
  const iso = ISO.exec(s);
  if (iso && s !== 'P' && !s.endsWith('T')) {
    const [, d, h, m, sec] = iso;
    return (
      Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Math.round(Number(sec ?? 0) * 1000)
    );
  }
  throw new TypeError(`invalid duration "${text}" (use e.g. "15m", "30s", "PT15M")`);
}
