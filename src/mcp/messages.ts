/** The texts and results the proxy answers with instead of forwarding (the agent reads them). */
import type { GatewayDecision } from '../sdk/types.js';

export const DECISION_META_KEY = 'dev.airlock/decision';

export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  isError: true;
  _meta: Record<string, unknown>;
}

function reasonsText(d: GatewayDecision): string {
  const r = d.reasons.map((x) => (x.policyId ? `${x.message} [${x.policyId}]` : x.message)).filter(Boolean);
  return r.length > 0 ? r.join('; ') : 'no reason given';
}

/**
 * A decision that ends the call, as an MCP execution error (`isError: true`): the model can read
 * it and explain itself (MCP 2025-11-25 tools: execution errors go in the result).
 */
export function refusal(text: string, decision?: GatewayDecision, extra: Record<string, unknown> = {}): ToolResult {
  const meta: Record<string, unknown> = { ...extra };
  if (decision) {
    meta['outcome'] = decision.outcome;
    meta['requestId'] = decision.requestId;
    meta['reasons'] = decision.reasons.map((r) => r.code);
    if (decision.approval?.id) meta['approvalId'] = decision.approval.id;
  }
  return { content: [{ type: 'text', text }], isError: true, _meta: { [DECISION_META_KEY]: meta } };
}

export function deniedText(tool: string, d: GatewayDecision): string {
  return `Denied by Airlock policy: the call to ${tool} was not run. Reasons: ${reasonsText(d)}. Request id: ${d.requestId}.`;
}

export function notConfirmedText(tool: string, d: GatewayDecision, why: string): string {
  return `Airlock: the call to ${tool} needs an explicit confirmation (${reasonsText(d)}) and ${why}; it was not run. Request id: ${d.requestId}.`;
}

export function approvalText(tool: string, d: GatewayDecision, state: string): string {
  const id = d.approval?.id;
  const how = id
    ? `Approval id: ${id}. An approver can approve it with \`airlock approve ${id}\`; retry this call after that and it will run.`
    : 'The gateway did not open an approval request (it has no approvals API); ask an administrator.';
  return `Airlock: the call to ${tool} needs an independent human approval (${reasonsText(d)}) and ${state}; it was not run. ${how} Request id: ${d.requestId}.`;
}

/** Why a recorded confirmation was refused, in words that point at the fix. */
function confirmHint(rule: unknown): string {
  if (rule === 'sod_requester') {
    return ' The proxy runs with the agent\'s own API key, and an agent cannot confirm its own action: give the proxy its own enforcement-point identity (`airlock identity create mcp-proxy --kind workload --owner YOU --purpose "MCP proxy" --pep-subject Agent:AGENT_ID`) and pass that key with --key-file.';
  }
  if (rule === 'nhi_confirms') return ' The proxy\'s API key belongs to an NHI without a pep grant: give the proxy an enforcement-point identity that lists the agent (--pep-subject Agent:AGENT_ID).';
  if (rule === 'pep_subject_not_listed') return ' The proxy\'s enforcement-point identity does not list this subject: add it (--pep-subject TYPE:ID).';
  if (rule === 'pep_not_relay') return ' Only the enforcement point that relayed the request may confirm it.';
  if (rule === 'sod_initiator') return ' Only the person who started the action, or the enforcement point that relayed it and lists its subject, may confirm it.';
  return '';
}

export function confirmRefusedText(tool: string, d: GatewayDecision, err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const rule = (err as { details?: Record<string, unknown> })?.details?.['rule'];
  const msg = err instanceof Error ? err.message : String(err);
  return `Airlock: the user confirmed the call to ${tool}, but the gateway refused to record the confirmation (${typeof code === 'string' ? `${code}${typeof rule === 'string' ? `/${rule}` : ''}: ` : ''}${msg}); it was not run.${confirmHint(rule)} Request id: ${d.requestId}.`;
}

export function unreachableText(tool: string, err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const msg = err instanceof Error ? err.message : String(err);
  const next = code === 'ERR_SERVER_UNREACHABLE' || code === undefined ? ' Retry when the gateway is reachable.' : ' The gateway refused the question; see the code above (an administrator can fix the proxy\'s key or identity).';
  return `Airlock could not decide on the call to ${tool} (${typeof code === 'string' ? `${code}: ` : ''}${msg}); it was not run (fail closed).${next}`;
}
