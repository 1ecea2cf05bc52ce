import type { Server, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AirlockError } from '../core/errors.js';
import { accessOf } from './auth.js';
import { sendError } from './errors.js';
import type { Metrics } from './metrics.js';

export interface SheddingOptions {
  maxInFlightDecisions: number;
  maxConnections: number;
  retryAfterSeconds: number;
}

/**
 * Load shedding (issue 13): beyond the caps a client gets a quick 503 with Retry-After instead of
 * a queue that grows until every answer is late. Decisions are capped by the number in flight;
 * connections by the number open (the excess one is answered and closed before it is parsed).
 */
export function registerLoadShedding(app: FastifyInstance, metrics: Metrics, opts: SheddingOptions): void {
  let inFlight = 0;
  app.addHook('onRequest', async (req, reply) => {
    if (accessOf(req) !== 'decide') return;
    if (inFlight >= opts.maxInFlightDecisions) {
      metrics.shed('decisions');
      reply.header('retry-after', String(opts.retryAfterSeconds));
      return sendError(reply, req, new AirlockError('ERR_OVERLOADED', `more than ${opts.maxInFlightDecisions} decisions in flight; retry after ${opts.retryAfterSeconds} s`));
    }
    inFlight++;
    metrics.inFlight(inFlight);
    // 'close' fires once for every outcome: answered, errored or abandoned by the client.
    reply.raw.once('close', () => {
      inFlight--;
      metrics.inFlight(inFlight);
    });
    return undefined;
  });

  const server = app.server as Server;
  let open = 0;
  const body = JSON.stringify({ error: { code: 'ERR_OVERLOADED', message: `more than ${opts.maxConnections} connections are open; retry after ${opts.retryAfterSeconds} s` } });
  const refusal =
    'HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n' +
    `retry-after: ${opts.retryAfterSeconds}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  // The HTTP parser's own 'connection' listeners run only for connections under the cap; the
  // excess one is answered by hand and never reaches the parser.
  const parsers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (open >= opts.maxConnections) {
      metrics.shed('connections');
      socket.on('error', () => undefined);
      socket.end(refusal);
      return;
    }
    open++;
    socket.once('close', () => open--);
    for (const l of parsers) l.call(server, socket);
  });
}
