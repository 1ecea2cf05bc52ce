/** Spawns `airlock mcp` (the built CLI) in front of a server and connects the SDK's Client to it. */
import { mkdtempSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ElicitRequestSchema, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';

export const CLI = resolve('dist/cli/main.js');
export const FIXTURE_SERVER = resolve('test/fixtures/mcp/server.mjs');
export const FIXTURE_BUNDLE = resolve('test/fixtures/mcp/bundle');

export interface Work {
  dir: string;
  logFile: string;
  dataDir: string;
  /** Lines the fixture server logged: what actually reached it. */
  calls(): Array<Record<string, unknown>>;
}

export function workDir(): Work {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-mcp-'));
  const logFile = join(dir, 'calls.log');
  writeFileSync(logFile, '');
  return {
    dir,
    logFile,
    dataDir: join(dir, 'data'),
    calls: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []),
  };
}

export interface ProxyClientOptions {
  work: Work;
  /** Arguments of `airlock mcp` before `--`. */
  proxyArgs: string[];
  /** The server command after `--` (default: the fixture server). */
  server?: string[];
  /** Answer to elicitation requests; undefined = the client does not declare elicitation. */
  elicit?: (message: string) => ElicitResult;
  env?: Record<string, string>;
}

export async function connectProxy(o: ProxyClientOptions): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string; elicitations: string[] }> {
  const server = o.server ?? ['node', FIXTURE_SERVER];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', ...o.proxyArgs, '--', ...server],
    env: { PATH: process.env['PATH'] ?? '', FIXTURE_LOG: o.work.logFile, FIXTURE_DIR: o.work.dir, ...(o.env ?? {}) },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const client = new Client({ name: 'test-agent-host', version: '1.0.0' }, { capabilities: o.elicit ? { elicitation: { form: {} } } : {} });
  const elicitations: string[] = [];
  if (o.elicit) {
    const answer = o.elicit;
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      elicitations.push(req.params.message);
      return answer(req.params.message);
    });
  }
  await client.connect(transport);
  return { client, transport, stderr: () => err, elicitations };
}

export const embeddedArgs = (work: Work, subject = 'test-agent') => ['--subject', subject, '--embedded', '--policies', FIXTURE_BUNDLE, '--data-dir', work.dataDir, '--name', 'fixture'];

export function textOf(result: unknown): string {
  const c = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return c.map((x) => x.text ?? '').join('\n');
}
