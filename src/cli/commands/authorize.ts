import { readFileSync } from 'node:fs';
import { loadConfig } from '../../config/load.js';
import { parseAuthorizationRequest } from '../../core/request-shape.js';
import { parseStrictJson } from '../../core/strict-json.js';
import { createRuntime } from '../../runtime/runtime.js';
import { readStdin, type CliCommand } from '../command.js';
import { parseOptions } from '../options.js';

export const command: CliCommand = {
  name: 'authorize',
  summary: 'decide one request in process (same pipeline, audited)',
  help: `usage: airlock authorize [--policies DIR] [--data-dir DIR] [--request FILE|-]

Reads an AuthZEN request {subject, action, resource, context} from FILE or stdin, decides it with
the embedded pipeline (the decision is written to the audit log in DIR), prints the decision JSON.
Exit status: 0 allow, 1 any other outcome, 2 bad input or error.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      policies: { type: 'string' },
      'data-dir': { type: 'string' },
      request: { type: 'string' },
    }, false);
    const src = values.request ?? '-';
    const text = src === '-' ? await readStdin(io) : readFileSync(src, 'utf8');
    const request = parseAuthorizationRequest(parseStrictJson(text));
    const config = loadConfig({ dataDir: values['data-dir'], policies: values.policies, checkpointIntervalMs: 0 }, io.env);
    const runtime = await createRuntime(config);
    try {
      const decision = await runtime.gateway.authorize(request, { caller: { type: 'process', id: `pid:${process.pid}`, via: 'cli' } });
      io.stdout.write(JSON.stringify(decision, null, 2) + '\n');
      return decision.outcome === 'allow' ? 0 : 1;
    } finally {
      await runtime.close();
    }
  },
};
