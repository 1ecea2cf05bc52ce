import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SlackAdapter, SlackHttpResponse } from './adapter.js';

export const SLACK_INTERACTIONS_PATH = '/integrations/slack/interactions';
export const SLACK_COMMANDS_PATH = '/integrations/slack/commands';

export interface SlackRoutesOptions {
  /** Largest accepted body. Interaction payloads carry the whole message. @defaultValue 262144 */
  bodyLimitBytes?: number;
}

const FORM = 'application/x-www-form-urlencoded';

function send(reply: FastifyReply, r: SlackHttpResponse): FastifyReply {
  reply.code(r.status);
  for (const [k, v] of Object.entries(r.headers ?? {})) reply.header(k, v);
  if (r.body === '') return reply.send();
  return reply.send(r.body);
}

/**
 * Mounts the Slack endpoints in an encapsulated plugin: the raw-body form parser exists only
 * inside it, so no other route changes how it parses. The routes are `access: 'open'` for the
 * API-key hook — the Slack signature, checked on the raw bytes before any parsing, is their
 * authentication. Slack waits 3 s: the adapter answers at once and works in the background.
 *
 * @example
 * await registerSlackRoutes(app, createSlackAdapter({ ... }));
 */
export async function registerSlackRoutes(app: FastifyInstance, adapter: SlackAdapter, opts: SlackRoutesOptions = {}): Promise<void> {
  const bodyLimit = opts.bodyLimitBytes ?? 256 * 1024;
  await app.register(async (scope) => {
    // Slack sends only form bodies here: every other media type is 415 before any parser reads it.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));
    const routeOptions = { bodyLimit, config: { access: 'open' as const } };
    const raw = (body: unknown): string | undefined => (typeof body === 'string' ? body : undefined);
    const isForm = (ct: string | undefined) => (ct ?? '').split(';')[0]!.trim().toLowerCase() === FORM;

    scope.post(SLACK_INTERACTIONS_PATH, routeOptions, async (req, reply) => {
      const body = raw(req.body);
      if (body === undefined || !isForm(req.headers['content-type'])) return reply.code(415).send();
      return send(reply, await adapter.handleInteraction(body, req.headers));
    });
    scope.post(SLACK_COMMANDS_PATH, routeOptions, async (req, reply) => {
      const body = raw(req.body);
      if (body === undefined || !isForm(req.headers['content-type'])) return reply.code(415).send();
      return send(reply, await adapter.handleSlashCommand(body, req.headers));
    });
  });
}
