import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Outcome } from '../core/types.js';

/** Prometheus metrics of one gateway process. */
export interface Metrics {
  registry: Registry;
  decision(outcome: Outcome, ms: number): void;
  auditCommit(records: number, ms: number): void;
  rejected(code: string): void;
  /** A failed authentication, by internal reason (never told to the client). */
  authFailure(reason: string): void;
  /** A request refused because its address used up its failed-attempt budget. */
  authRateLimited(): void;
  /** A background task failed (checkpoint, webhook, slack, usage, reload, unhandled, …). */
  backgroundFailure(source: string): void;
  /** A request or connection refused because a load cap was reached. */
  shed(kind: 'decisions' | 'connections'): void;
  /** Decisions in flight now (for the gauge). */
  inFlight(n: number): void;
  /** The records contradict each other (e.g. approved votes missing from the audit chain). */
  integrityAlarm(kind: string): void;
  /** Something the Slack adapter refused or recorded (signature_rejected, replay_ignored, vote_refused, …). */
  slackEvent(type: string): void;
  /** Where a Cedar evaluation ran, when policy threads are on (`event_loop`: no thread was ready). */
  policyEvaluation(on: 'thread' | 'event_loop'): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'airlock_process_' });
  const decisions = new Counter({ name: 'airlock_decisions_total', help: 'Decisions by outcome', labelNames: ['outcome'], registers: [registry] });
  const latency = new Histogram({
    name: 'airlock_decision_duration_seconds',
    help: 'Time to decide and durably audit one request',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const audit = new Histogram({
    name: 'airlock_audit_append_duration_seconds',
    help: 'Time of one audit group commit',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [registry],
  });
  const auditRecords = new Counter({ name: 'airlock_audit_records_total', help: 'Audit records committed', registers: [registry] });
  const rejected = new Counter({ name: 'airlock_http_rejected_total', help: 'HTTP requests rejected before a decision, by error code', labelNames: ['code'], registers: [registry] });
  const authFailures = new Counter({ name: 'airlock_auth_failures_total', help: 'Failed caller authentications, by reason', labelNames: ['reason'], registers: [registry] });
  const authLimited = new Counter({ name: 'airlock_auth_rate_limited_total', help: 'Requests refused (429) after too many failed authentications from one address', registers: [registry] });
  const failures = new Counter({ name: 'airlock_background_failures_total', help: 'Background task failures (logged with context), by source', labelNames: ['source'], registers: [registry] });
  const shed = new Counter({ name: 'airlock_shed_total', help: 'Requests (decisions) or connections refused with 503 because a load cap was reached', labelNames: ['kind'], registers: [registry] });
  const slackEvents = new Counter({ name: 'airlock_slack_events_total', help: 'Slack callbacks refused (signature_rejected, replay_ignored, foreign_workspace, vote_refused) or acted on (vote_recorded, reversal_requested), by type', labelNames: ['type'], registers: [registry] });
  const alarms = new Counter({ name: 'airlock_integrity_alarms_total', help: 'Records found contradicting each other (e.g. an approval whose votes the audit chain lacks), by kind', labelNames: ['kind'], registers: [registry] });
  const evaluations = new Counter({
    name: 'airlock_policy_evaluations_total',
    help: 'Cedar evaluations with policy threads on, by where they ran (event_loop: no thread was ready)',
    labelNames: ['on'],
    registers: [registry],
  });
  const inFlight = new Gauge({ name: 'airlock_decisions_in_flight', help: 'Decision requests being processed now', registers: [registry] });
  return {
    registry,
    backgroundFailure(source) {
      failures.inc({ source });
    },
    shed(kind) {
      shed.inc({ kind });
    },
    integrityAlarm(kind) {
      alarms.inc({ kind });
    },
    inFlight(n) {
      inFlight.set(n);
    },
    authFailure(reason) {
      authFailures.inc({ reason });
    },
    authRateLimited() {
      authLimited.inc();
    },
    decision(outcome, ms) {
      decisions.inc({ outcome });
      latency.observe(ms / 1000);
    },
    auditCommit(records, ms) {
      audit.observe(ms / 1000);
      auditRecords.inc(records);
    },
    rejected(code) {
      rejected.inc({ code });
    },
    slackEvent(type) {
      slackEvents.inc({ type });
    },
    policyEvaluation(on) {
      evaluations.inc({ on });
    },
  };
}
