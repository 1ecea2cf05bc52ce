/**
 * Messages the proxy refuses before any decision (batches, unknown methods, oversized arguments,
 * task-augmented requests…) go to the audit log through the client (`POST /v1/refusals`, or the
 * embedded log), so an action stopped at the edge is never missing from the evidence (threats
 * §3.12: "rejected, audited, nothing forwarded"). The refusal itself never waits on, or depends on,
 * the record: a record that cannot be written is said on the proxy's log.
 */
import type { AirlockClient, RefusalReport } from '../sdk/types.js';

export interface EdgeRefusal {
  code: string;
  detail: string;
  methods?: string[];
  targets?: string[];
}

export type RecordRefusal = (r: EdgeRefusal) => Promise<void>;

export function refusalRecorder(client: AirlockClient, base: { subject: { type: string; id: string }; server?: string }, log: (line: string) => void): RecordRefusal {
  return async (r) => {
    const what = `${r.code}${r.methods && r.methods.length > 0 ? ` (${r.methods.join(', ')})` : ''}`;
    log(`refused ${what}: ${r.detail}`);
    if (!client.reportRefusal) return log(`refusal ${what} not recorded: this client cannot record refusals`);
    const report: RefusalReport = {
      executor: 'mcp-proxy',
      code: r.code,
      subject: base.subject,
      ...(base.server ? { server: base.server } : {}),
      detail: r.detail.slice(0, 500),
      ...(r.methods && r.methods.length > 0 ? { methods: r.methods } : {}),
      ...(r.targets && r.targets.length > 0 ? { targets: r.targets } : {}),
    };
    await client.reportRefusal(report).catch((e: unknown) => log(`refusal ${what} not recorded in the audit log: ${(e as Error).message}`));
  };
}
