import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Runtime } from '../runtime/runtime.js';
import type { Html } from './html.js';
import type { ConsoleSession } from './sessions.js';
import type { Who } from './routes.js';

export interface AdminPageDeps {
  runtime: Runtime;
  requireUser(req: FastifyRequest, reply: FastifyReply): Promise<Who | undefined>;
  csrfOk(req: FastifyRequest, session: ConsoleSession | undefined): boolean;
  refuseCsrf(reply: FastifyReply, req: FastifyRequest): void;
  field(req: FastifyRequest, name: string): string;
  problem(e: unknown, req: FastifyRequest): { code: string; message: string; rule?: string };
  sendPage(reply: FastifyReply, body: Html, status?: number): FastifyReply;
  isAdmin(w: Who): boolean;
  /** Ends every console session of a person (suspended). */
  destroyFor(humanId: string): void;
}

/** Delegations, identities and audit pages. */
export function registerConsoleAdminPages(_scope: FastifyInstance, _deps: AdminPageDeps): void {}
