/**
 * The evidence record of one action: everything the audit chain holds about it, from request to
 * result, assembled into one document. It is built only from audit records (and approval state), so
 * what it shows is what the tamper-evident log proves.
 */
export interface EvidenceSource {
  seq: number;
  writer: string;
  at: string;
  kind: string;
  hash: string;
  record: Record<string, unknown>;
}

export interface EvidenceDocument {
  requestId: string;
  request?: unknown;
  caller?: unknown;
  subject?: { uid: string; owner?: string };
  initiator?: unknown;
  chat?: unknown;
  delegation?: unknown;
  command?: unknown;
  decision?: { outcome: string; reasons: unknown; actionHash: string; policyVersion: string; requirements?: unknown; decidedAt: string };
  approvals: { id: string; kind: string; status?: string; votes: unknown[]; openedAt?: string; consumedBy?: string }[];
  grant?: unknown;
  execution?: unknown;
  reversal?: { reversal?: unknown; requestedAs?: string; reverses?: string };
  /** The audit records this document was built from, in chain order (seq + hash as proof pointers). */
  records: { writer: string; seq: number; kind: string; at: string; hash: string }[];
}

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : undefined);

export function assembleEvidence(requestId: string, sources: readonly EvidenceSource[]): EvidenceDocument {
  const doc: EvidenceDocument = { requestId, approvals: [], records: [] };
  const approvals = new Map<string, EvidenceDocument['approvals'][number]>();
  const approvalFor = (id: string, kind = 'approval') => {
    let a = approvals.get(id);
    if (!a) approvals.set(id, (a = { id, kind, votes: [] }));
    return a;
  };
  const sorted = [...sources].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq));
  for (const s of sorted) {
    doc.records.push({ writer: s.writer, seq: s.seq, kind: s.kind, at: s.at, hash: s.hash });
    const r = s.record;
    switch (s.kind) {
      case 'decision': {
        if (r['requestId'] !== requestId) break;
        const request = obj(r['request']);
        const context = obj(request?.['context']);
        const decision = obj(r['decision']);
        doc.request = request;
        doc.caller = r['caller'];
        if (r['subject'] !== undefined) doc.subject = r['subject'] as EvidenceDocument['subject'];
        if (context?.['initiator'] !== undefined) doc.initiator = context['initiator'];
        if (context?.['chat'] !== undefined) doc.chat = context['chat'];
        if (r['delegation'] !== undefined) doc.delegation = r['delegation'];
        if (r['command'] !== undefined) doc.command = r['command'];
        if (decision) {
          doc.decision = {
            outcome: String(decision['outcome']),
            reasons: decision['reasons'],
            actionHash: String(decision['actionHash']),
            policyVersion: String(decision['policyVersion']),
            decidedAt: s.at,
            ...(decision['requirements'] !== undefined ? { requirements: decision['requirements'] } : {}),
          };
        }
        if (r['grant'] !== undefined) doc.grant = r['grant'];
        const appr = obj(r['approval']);
        if (appr && typeof appr['id'] === 'string') {
          const a = approvalFor(appr['id'], String(appr['kind'] ?? 'approval'));
          a.status = String(appr['status'] ?? a.status ?? 'pending');
        }
        if (typeof r['consumedApproval'] === 'string') approvalFor(r['consumedApproval']).consumedBy = requestId;
        if (typeof context?.['reverses'] === 'string') doc.reversal = { ...doc.reversal, reverses: context['reverses'] };
        break;
      }
      case 'approval.opened': {
        const a = approvalFor(String(r['approvalId']), String(r['kind'] ?? 'approval'));
        a.openedAt = s.at;
        a.status ??= 'pending';
        break;
      }
      case 'approval.vote': {
        const a = approvalFor(String(r['approvalId']), String(r['kind'] ?? 'approval'));
        a.votes.push({ approver: r['approver'], decision: r['decision'], reason: r['reason'], channel: r['channel'], at: s.at });
        if (typeof r['status'] === 'string') a.status = r['status'];
        break;
      }
      case 'approval.consumed': {
        const a = approvalFor(String(r['approvalId']));
        a.status = 'consumed';
        if (typeof r['consumedBy'] === 'string') a.consumedBy = r['consumedBy'];
        break;
      }
      case 'execution':
        doc.execution = Object.fromEntries(
          Object.entries({ status: r['status'], startedAt: r['startedAt'], finishedAt: r['finishedAt'], durationMs: r['durationMs'], outputDigest: r['outputDigest'], executor: r['executor'], error: r['error'], confirmedVia: r['confirmedVia'], reportedBy: r['reportedBy'], at: s.at }).filter(([, v]) => v !== undefined),
        );
        if (r['reversal'] !== undefined) doc.reversal = { ...doc.reversal, reversal: r['reversal'] };
        break;
      case 'reversal.requested':
        doc.reversal = { ...doc.reversal, requestedAs: String(r['reversalRequestId']) };
        break;
      case 'grant.redeemed':
        doc.grant = { ...(obj(doc.grant) ?? {}), redeemedAt: s.at };
        break;
      default:
        break;
    }
  }
  doc.approvals = [...approvals.values()];
  return doc;
}
