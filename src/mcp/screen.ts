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

/** A refused message: what to answer, and what the audit record says about it (never its arguments). */
export interface Refused {
  ok: false;
  reply: JsonRpcErrorMessage;
  why: string;
  /** Stable code of the audit record: `batch`, `invalid_message`, `parse_error`, `message_too_large`. */
  code: string;
  methods: string[];
  targets: string[];
}

export type Screened = { ok: true; message: JSONRPCMessage } | Refused;

/** The method and the tool/resource/prompt a raw message names, as far as it names them. */
export function namesOf(raw: unknown): { methods: string[]; targets: string[] } {
  // A batch of thousands is counted in the refusal's text; the record names its first few.
  const list = (Array.isArray(raw) ? raw : [raw]).slice(0, 50);
  const methods: string[] = [];
  const targets: string[] = [];
  for (const m of list) {
    const o = m as { method?: unknown; params?: { name?: unknown; uri?: unknown } } | null;
    if (typeof o?.method === 'string') methods.push(o.method.slice(0, 256));
    const t = o?.params?.name ?? o?.params?.uri;
    if (typeof t === 'string') targets.push(t.slice(0, 256));
  }
  return { methods, targets };
}

export function refused(code: string, why: string, reply: JsonRpcErrorMessage, raw?: unknown): Refused {
  return { ok: false, code, why, reply, ...namesOf(raw) };
}

function idOf(v: unknown): string | number | null {
  const id = (v as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

export function screenMessage(raw: unknown): Screened {
  if (Array.isArray(raw)) {
    const { methods } = namesOf(raw);
    return refused('batch', `batch of ${raw.length} (${methods.join(', ')})`, { jsonrpc: '2.0', id: null, error: { code: INVALID_REQUEST, message: 'JSON-RPC batches are not accepted (removed in MCP 2025-06-18); send one message at a time' } }, raw);
  }
  const parsed = JSONRPCMessageSchema.safeParse(raw);
  if (!parsed.success) {
    return refused('invalid_message', 'not a JSON-RPC 2.0 message', { jsonrpc: '2.0', id: idOf(raw), error: { code: INVALID_REQUEST, message: 'not a valid JSON-RPC 2.0 message' } }, raw);
  }
  return { ok: true, message: parsed.data };
}

export function screenLine(line: string): Screened {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return refused('parse_error', 'unparseable line', { jsonrpc: '2.0', id: null, error: { code: PARSE_ERROR, message: 'parse error' } });
  }
  return screenMessage(raw);
}
