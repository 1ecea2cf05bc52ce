import type { EvidenceSource } from '../audit/evidence.js';
import type { AuditRecord, AuditRepo } from '../store/port.js';

const toSource = (r: AuditRecord): EvidenceSource => ({ seq: r.seq, writer: r.writer, at: r.at, kind: r.kind, hash: r.hash, record: JSON.parse(r.recordText) as Record<string, unknown> });

/**
 * Every audit record about one action: its own, and those of the approvals it opened or used. The
 * raw material of `assembleEvidence`, shared by the HTTP evidence routes and the chat edges.
 */
export async function collectEvidenceSources(audit: Pick<AuditRepo, 'find'>, requestId: string): Promise<EvidenceSource[]> {
  const own = await audit.find({ requestId });
  const approvalIds = new Set<string>();
  for (const r of own) {
    const rec = JSON.parse(r.recordText) as { approval?: { id?: string }; consumedApproval?: string; approvalId?: string };
    if (rec.approval?.id) approvalIds.add(rec.approval.id);
    if (rec.consumedApproval) approvalIds.add(rec.consumedApproval);
    if (rec.approvalId) approvalIds.add(rec.approvalId);
  }
  const seen = new Set(own.map((r) => `${r.writer}:${r.seq}`));
  const all = [...own];
  for (const id of approvalIds) {
    for (const r of await audit.find({ approvalId: id })) {
      if (!seen.has(`${r.writer}:${r.seq}`)) {
        seen.add(`${r.writer}:${r.seq}`);
        all.push(r);
      }
    }
  }
  return all.map(toSource);
}
