import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * The one structured logger of a gateway process: JSON lines on stderr (stdout stays free for
 * command output). Secrets never go in: callers log ids, codes and error objects, never bodies.
 */
export function createLogger(level: LogLevel, dest: number | NodeJS.WritableStream = 2): Logger {
  if (level === 'silent') return pino({ level: 'silent' });
  const stream = typeof dest === 'number' ? pino.destination({ dest, sync: false, minLength: 0 }) : dest;
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Redacted by path, in case a caller ever hands over an object carrying one.
      redact: { paths: ['*.authorization', '*.apiKey', '*.botToken', '*.signingSecret', '*.secret', '*.password'], censor: '[redacted]' },
    },
    stream,
  );
}

/**
 * Background work (checkpoints, webhooks, Slack, usage flushes, reloads) reports its failures here:
 * each is logged with its context and counted by `source` (`airlock_background_failures_total`).
 */
export interface FailureReporter {
  report(source: string, err: unknown, context?: Record<string, unknown>): void;
}

export function createFailureReporter(log: Logger, count?: (source: string) => void): FailureReporter {
  return {
    report(source, err, context = {}) {
      count?.(source);
      log.error({ source, err, ...context }, `${source} failed`);
    },
  };
}
