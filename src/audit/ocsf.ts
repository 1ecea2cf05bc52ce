/**
 * Audit records as OCSF 1.8.0 events for SIEMs (issue 16; docs/observability.md).
 *
 * Decisions and approval records become API Activity events (class 6003: category Application
 * Activity 6 × 1000 + class 3), elevation grants Authorize Session events (class 3003: category
 * Identity & Access Management 3 × 1000 + class 3, activity "Assign Groups"). `type_uid` is
 * `class_uid × 100 + activity_id` (OCSF base event, "type_uid").
 *
 * Integrity: `raw_data` is the exact text the audit chain hashes (the canonical JSON of
 * `{seq, writer, at, kind, prevHash, record}`, audit/chain.ts), and `raw_data_hash` is the chain
 * hash itself as a SHA-256 fingerprint, so a SIEM can recompute it from the event alone and follow
 * `prevHash` (also in `metadata.tags`) from one event to the one before it.
 */
import { canonicalize } from '../core/canonical-json.js';
import type { AuditRecord } from '../store/port.js';

export const OCSF_VERSION = '1.8.0';

const API_ACTIVITY = { category_uid: 6, category_name: 'Application Activity', class_uid: 6003, class_name: 'API Activity' } as const;
const AUTHORIZE_SESSION = { category_uid: 3, category_name: 'Identity & Access Management', class_uid: 3003, class_name: 'Authorize Session' } as const;

const ACTIVITY_NAMES: Record<string, Record<number, string>> = {
  6003: { 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' },
  3003: { 1: 'Assign Privileges', 2: 'Assign Groups', 99: 'Other' },
};
const SEVERITY = { 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High' } as const;
type Severity = keyof typeof SEVERITY;
const STATUS = { 1: 'Success', 2: 'Failure', 99: 'Other' } as const;

export type OcsfEvent = Record<string, unknown>;

export interface OcsfOptions {
  /** Airlock's version, as `metadata.product.version`. */
  productVersion: string;
}

type Rec = Record<string, unknown>;
const obj = (v: unknown): Rec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** `Airlock::Agent::"coder"` → the OCSF user of that uid (type from the entity type). */
function userOf(uidText: string | undefined, fallback = 'unknown'): Rec {
  const text = uidText ?? fallback;
  // A Cedar uid, or a caller as `Type:id`.
  const m = /^(?:(.*)::)?([A-Za-z_][A-Za-z0-9_]*)::"((?:[^"\\]|\\.)*)"$/.exec(text);
  const c = m ? undefined : /^([A-Za-z_][A-Za-z0-9_]*):(.+)$/.exec(text);
  const type = m ? m[2]! : c ? c[1]! : undefined;
  const name = m ? (JSON.parse(`"${m[3]!}"`) as string) : c ? c[2]! : text;
  // OCSF user.type_id: 1 User (a person), 4 Service (a non-human identity: agent, bot, workload).
  if (type === undefined) return { uid: text, name, type_id: 0, type: 'Unknown' };
  const person = type === 'Human' || type === 'User' || type === 'user';
  return { uid: text, name, type_id: person ? 1 : 4, type: person ? 'User' : 'Service' };
}

const entityText = (e: unknown): string | undefined => {
  const o = obj(e);
  return typeof o['type'] === 'string' && typeof o['id'] === 'string' ? `${o['type']}::${JSON.stringify(o['id'])}` : undefined;
};

function base(r: AuditRecord, cls: typeof API_ACTIVITY | typeof AUTHORIZE_SESSION, activityId: number, severity: Severity, o: OcsfOptions, correlation?: string): OcsfEvent {
  const record = JSON.parse(r.recordText) as unknown;
  return {
    category_uid: cls.category_uid,
    category_name: cls.category_name,
    class_uid: cls.class_uid,
    class_name: cls.class_name,
    activity_id: activityId,
    activity_name: ACTIVITY_NAMES[cls.class_uid]![activityId]!,
    type_uid: cls.class_uid * 100 + activityId,
    type_name: `${cls.class_name}: ${ACTIVITY_NAMES[cls.class_uid]![activityId]!}`,
    time: Date.parse(r.at),
    severity_id: severity,
    severity: SEVERITY[severity],
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'Airlock', vendor_name: 'Airlock', version: o.productVersion },
      uid: `${r.writer}:${r.seq}`,
      sequence: r.seq,
      log_name: 'airlock.audit',
      log_provider: r.writer,
      event_code: r.kind,
      ...(correlation ? { correlation_uid: correlation } : {}),
      original_time: r.at,
      tags: [
        { name: 'airlock.chain.hash', value: r.hash },
        { name: 'airlock.chain.prev_hash', value: r.prevHash },
      ],
    },
    // Exactly what the chain hashed, and the chain hash as its SHA-256 fingerprint.
    raw_data: canonicalize({ seq: r.seq, writer: r.writer, at: r.at, kind: r.kind, prevHash: r.prevHash, record }),
    raw_data_hash: { algorithm_id: 3, algorithm: 'SHA-256', value: r.hash.replace(/^sha256:/, '') },
  };
}

function status(id: keyof typeof STATUS, code?: string, detail?: string): Rec {
  return { status_id: id, status: STATUS[id], ...(code ? { status_code: code } : {}), ...(detail ? { status_detail: detail } : {}) };
}

function decisionEvent(r: AuditRecord, rec: Rec, o: OcsfOptions): OcsfEvent {
  const req = obj(rec['request']);
  const d = obj(rec['decision']);
  const caller = obj(rec['caller']);
  const outcome = str(d['outcome']) ?? 'deny';
  const reasons = Array.isArray(d['reasons']) ? (d['reasons'] as unknown[]).map(obj) : [];
  const codes = reasons.map((x) => str(x['code'])).filter((x): x is string => x !== undefined);
  const fault = codes.includes('internal_error') || codes.includes('audit_unavailable');
  const severity: Severity = outcome === 'allow' ? 1 : outcome === 'deny' ? (fault ? 4 : 3) : 2;
  const subject = str(obj(rec['subject'])['uid']) ?? entityText(req['subject']);
  const action = str(obj(req['action'])['name']) ?? 'unknown';
  const resource = obj(req['resource']);
  const policies = reasons.filter((x) => str(x['policyId']));
  const authorizations = policies.length > 0
    ? policies.map((x) => ({ decision: outcome, policy: { uid: x['policyId'], name: x['policyId'], version: str(d['policyVersion']) ?? 'none', is_applied: true } }))
    : [{ decision: outcome }];
  return {
    ...base(r, API_ACTIVITY, 99, severity, o, str(rec['requestId'])),
    activity_name: 'Authorize',
    type_name: 'API Activity: Authorize',
    message: `${outcome}: ${subject ?? 'unknown subject'} ${action} ${entityText(resource) ?? ''}`.trim() + (codes.length > 0 ? ` (${codes.join(', ')})` : ''),
    ...status(outcome === 'allow' ? 1 : outcome === 'deny' ? 2 : 99, codes[0], reasons.map((x) => str(x['message'])).filter(Boolean).join('; ') || undefined),
    ...(outcome !== 'allow' && outcome !== 'deny' ? { status: outcome } : {}),
    actor: { user: userOf(subject), authorizations, ...(str(caller['via']) ? { app_name: `airlock ${str(caller['via'])}` } : {}) },
    api: { operation: action, service: { name: 'airlock' }, request: { uid: str(rec['requestId']) ?? `${r.writer}:${r.seq}` } },
    src_endpoint: { name: `${str(caller['type']) ?? 'unknown'}:${str(caller['id']) ?? 'unknown'}`, ...(str(caller['via']) ? { svc_name: str(caller['via']) } : {}) },
    resources: [{ uid: str(resource['id']) ?? 'unknown', type: str(resource['type']) ?? 'unknown' }],
    unmapped: {
      airlock: {
        outcome,
        reasons: codes,
        action_hash: d['actionHash'],
        policy_version: d['policyVersion'],
        ...(rec['approval'] ? { approval: rec['approval'] } : {}),
        ...(rec['delegation'] ? { delegation_path: obj(rec['delegation'])['path'] } : {}),
        ...(rec['command'] ? { command_risk: obj(rec['command'])['risk'] } : {}),
        ...(rec['elevations'] ? { elevations: rec['elevations'] } : {}),
      },
    },
  };
}

const APPROVAL_OPS: Record<string, { activity: number; operation: string }> = {
  'approval.opened': { activity: 1, operation: 'approval.open' },
  'approval.vote': { activity: 3, operation: 'approval.vote' },
  'approval.consumed': { activity: 3, operation: 'approval.consume' },
  'approval.cancelled': { activity: 4, operation: 'approval.cancel' },
};

function approvalEvent(r: AuditRecord, rec: Rec, o: OcsfOptions): OcsfEvent {
  const op = APPROVAL_OPS[r.kind]!;
  const who = r.kind === 'approval.opened' ? str(rec['requester']) : r.kind === 'approval.vote' ? str(rec['approver']) : r.kind === 'approval.cancelled' ? str(rec['by']) : undefined;
  const approvalId = str(rec['approvalId']) ?? 'unknown';
  const vote = r.kind === 'approval.vote' ? str(rec['decision']) : undefined;
  return {
    ...base(r, API_ACTIVITY, op.activity, r.kind === 'approval.vote' && vote !== 'approve' ? 2 : 1, o, str(rec['requestId'])),
    message: `${op.operation} ${approvalId}${vote ? ` (${vote})` : ''}${who ? ` by ${who}` : ''}`,
    ...status(1),
    actor: who ? { user: userOf(who), ...(vote ? { authorizations: [{ decision: vote }] } : {}) } : { app_name: 'airlock' },
    api: { operation: op.operation, service: { name: 'airlock' }, request: { uid: str(rec['requestId']) ?? approvalId } },
    src_endpoint: { name: who ?? 'airlock', svc_name: str(rec['channel']) ?? 'airlock' },
    resources: [{ uid: approvalId, type: 'approval' }],
    unmapped: { airlock: rec },
  };
}

function elevationEvent(r: AuditRecord, rec: Rec, o: OcsfOptions): OcsfEvent | undefined {
  const principal = str(rec['principal']);
  const group = str(rec['group']);
  if (r.kind === 'elevation.granted' && principal && group) {
    return {
      ...base(r, AUTHORIZE_SESSION, 2, 2, o, str(rec['requestId'])),
      message: `${principal} elevated into ${group} until ${str(rec['expiresAt']) ?? '?'}`,
      ...status(1),
      user: userOf(principal),
      group: { name: group, uid: group },
      session: { uid: str(rec['elevationId']) ?? `${r.writer}:${r.seq}`, ...(str(rec['expiresAt']) ? { expiration_time: Date.parse(str(rec['expiresAt'])!) } : {}) },
      unmapped: { airlock: rec },
    };
  }
  const ops: Record<string, { activity: number; operation: string }> = {
    'elevation.revoked': { activity: 4, operation: 'elevation.revoke' },
    'elevation.expired': { activity: 4, operation: 'elevation.expire' },
  };
  const op = ops[r.kind];
  if (!op) return undefined;
  // An expiry has no actor but the gateway that recorded it.
  const who = str(rec['by']) ?? (r.kind === 'elevation.expired' ? 'airlock' : principal);
  return {
    ...base(r, API_ACTIVITY, op.activity, 1, o, str(rec['requestId'])),
    message: `${op.operation} ${principal ?? ''} from ${group ?? ''}`,
    ...status(1),
    actor: { user: userOf(who) },
    api: { operation: op.operation, service: { name: 'airlock' }, request: { uid: str(rec['elevationId']) ?? `${r.writer}:${r.seq}` } },
    src_endpoint: { name: who ?? 'airlock' },
    resources: [{ uid: group ?? 'unknown', type: 'group' }],
    unmapped: { airlock: rec },
  };
}

/** The OCSF event of one audit record, or undefined for kinds that have no OCSF mapping (yet). */
export function toOcsf(r: AuditRecord, o: OcsfOptions): OcsfEvent | undefined {
  const rec = obj(JSON.parse(r.recordText));
  if (r.kind === 'decision') return decisionEvent(r, rec, o);
  if (r.kind in APPROVAL_OPS) return approvalEvent(r, rec, o);
  if (r.kind.startsWith('elevation.')) return elevationEvent(r, rec, o);
  return undefined;
}

/** Record kinds `toOcsf` maps. */
export const OCSF_KINDS = ['decision', ...Object.keys(APPROVAL_OPS), 'elevation.granted', 'elevation.revoked', 'elevation.expired'] as const;
