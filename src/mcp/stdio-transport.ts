/**
 * The agent-facing stdio transport: newline-delimited JSON-RPC on stdin/stdout (MCP 2025-11-25
 * transports). Unlike the SDK's, every line is screened first (batches refused with -32600, bad
 * lines answered, never dropped silently) and end of stdin closes the session.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { refused, screenLine, type Refused } from './screen.js';

const MAX_LINE_BYTES = 10 * 1024 * 1024;

export class ScreenedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private buffer = '';
  private closed = false;
  private readonly onData = (chunk: Buffer | string) => this.ingest(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
  private readonly onEnd = () => void this.close();

  private readonly stdin: NodeJS.ReadableStream;
  private readonly stdout: NodeJS.WritableStream;
  private readonly onRefused: (r: Refused) => void;

  constructor(stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream, onRefused: (r: Refused) => void = () => undefined) {
    this.stdin = stdin;
    this.stdout = stdout;
    this.onRefused = onRefused;
  }

  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('end', this.onEnd);
    this.stdin.on('error', (e: Error) => this.onerror?.(e));
  }

  private ingest(text: string): void {
    this.buffer += text;
    if (this.buffer.length > MAX_LINE_BYTES && !this.buffer.includes('\n')) {
      this.buffer = '';
      const r = refused('message_too_large', 'line over the size limit', { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'message too large' } });
      this.onRefused(r);
      void this.send(r.reply as unknown as JSONRPCMessage);
      return;
    }
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      if (line.trim() === '') continue;
      const s = screenLine(line);
      if (s.ok) this.onmessage?.(s.message);
      else {
        this.onRefused(s);
        void this.send(s.reply as unknown as JSONRPCMessage);
      }
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(JSON.stringify(message) + '\n')) resolve();
      else this.stdout.once('drain', () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('end', this.onEnd);
    this.onclose?.();
  }
}
