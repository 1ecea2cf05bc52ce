// Apart from runtime/slack.ts so that the HTTP routes do not load the Slack client, which is
// loaded only when Slack is configured.
import { parseAuthorizationRequest } from '../core/request-shape.js';
import type { AuthorizationRequest } from '../core/types.js';
import type { ExecutionReport } from '../integrations/slack/messages.js';

/** What `POST /v1/executions` tells the chat edge: the result, and whether a reversal was recorded. */
export function executionReport(requestId: string, decisionRecord: Record<string, unknown>, body: { status: 'succeeded' | 'failed'; summary?: string; reversal?: AuthorizationRequest }): ExecutionReport | undefined {
  const request = decisionRecord['request'];
  let parsed: AuthorizationRequest;
  try {
    parsed = parseAuthorizationRequest(request, '/request');
  } catch {
    return undefined;
  }
  const report: ExecutionReport = { requestId, request: parsed, status: body.status };
  if (body.summary !== undefined) report.summary = body.summary;
  if (body.reversal) report.reversal = { description: `${body.reversal.action.name} on ${body.reversal.resource.type} ${body.reversal.resource.id}` };
  return report;
}
