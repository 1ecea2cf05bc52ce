/**
 * Screens each raw JSON-RPC message before the SDK sees it. Batches are refused: MCP removed
 * JSON-RPC batching in 2025-06-18, and a batch is a known way to smuggle tools/call past a gateway
 * (threats §3.12; stacklok/toolhive PR #5931 answers -32600).
 */
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export const INVALID_REQUEST = -32600;
export const PARSE_ERROR = -32700;

export interface JsonRpcErrorMessage {
  jsonrpc: '2.0';
  id: string | number | null;
  error: { code: number; message: string };
}

export type Screened = { ok: true; message: JSONRPCMessage } | { ok: false; reply: JsonRpcErrorMessage; why: string };

function idOf(v: unknown): string | number | null {
  const id = (v as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

export function screenMessage(raw: unknown): Screened {
  if (Array.isArray(raw)) {
    const methods = raw.map((m) => (m as { method?: unknown })?.method).filter((m) => typeof m === 'string');
    return { ok: false, why: `batch of ${raw.length} (${methods.join(', ')})`, reply: { jsonrpc: '2.0', id: null, error: { code: INVALID_REQUEST, message: 'JSON-RPC batches are not accepted (removed in MCP 2025-06-18); send one message at a time' } } };
  }
  const parsed = JSONRPCMessageSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, why: 'not a JSON-RPC 2.0 message', reply: { jsonrpc: '2.0', id: idOf(raw), error: { code: INVALID_REQUEST, message: 'not a valid JSON-RPC 2.0 message' } } };
  }
  return { ok: true, message: parsed.data };
}

export function screenLine(line: string): Screened {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, why: 'unparseable line', reply: { jsonrpc: '2.0', id: null, error: { code: PARSE_ERROR, message: 'parse error' } } };
  }
  return screenMessage(raw);
}
