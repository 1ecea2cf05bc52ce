/**
 * The console's pages as HTML text: pure functions from view models to `Html`. Every value goes
 * through `html` (escaped); the only script is /console/assets/console.js (no inline script, the
 * Content-Security-Policy forbids it).
 */
import type { ApprovalRequest } from '../approval/types.js';
import type { CommandAnalysis } from '../commands/types.js';
import type { ActionField } from '../core/action-view.js';
import { html, join, type Html } from './html.js';
import { ago, segments, shortUid, type ActVerdict } from './model.js';

export interface Viewer {
  id: string;
  displayName: string;
  roles: readonly string[];
  csrf: string;
  /** NHI ids this person owns. */
  owns: readonly string[];
}

export const BASE = '/console';

function nav(v: Viewer | undefined, current: string): Html {
  if (!v) return html``;
  const link = (href: string, label: string) => html`<li><a href="${BASE}${href}"${current === href ? html` aria-current="page"` : ''}>${label}</a></li>`;
  const reader = v.roles.includes('admin') || v.roles.includes('auditor');
  return html`<nav aria-label="Console">
  <ul>
    ${link('/inbox', 'Inbox')}
    ${link('/delegations', 'Delegations')}
    ${reader || v.owns.length > 0 ? link('/identities', 'Identities') : ''}
    ${reader ? link('/audit', 'Audit') : ''}
  </ul>
  <form method="post" action="${BASE}/logout" class="signout">
    <input type="hidden" name="_csrf" value="${v.csrf}">
    <span>Signed in as <strong>${v.displayName}</strong> (${v.id}${v.roles.length > 0 ? `; ${v.roles.join(', ')}` : '; no role'})</span>
    <button type="submit">Sign out</button>
  </form>
</nav>`;
}

export function page(title: string, body: Html, v?: Viewer, current = ''): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${v ? html`<meta name="csrf-token" content="${v.csrf}">` : ''}
<title>${title} · Airlock console</title>
<link rel="stylesheet" href="${BASE}/assets/console.css">
<script src="${BASE}/assets/console.js" defer></script>
</head>
<body>
<header><a class="brand" href="${BASE}/inbox">Airlock console</a>${nav(v, current)}</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export function loginPage(opts: { csrf: string; sso: boolean; error?: string; notice?: string }): Html {
  return page(
    'Sign in',
    html`${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ''}
${opts.sso ? html`<p><a class="button primary" href="${BASE}/oidc/start">Sign in with your identity provider</a></p><p>or</p>` : ''}
<form method="post" action="${BASE}/login" class="stack">
  <input type="hidden" name="_csrf" value="${opts.csrf}">
  <label for="key">Airlock API key</label>
  <input id="key" name="key" type="password" autocomplete="off" required spellcheck="false">
  <p class="hint">Your own key (the first start of the gateway printed the admin's). It is checked once; the console keeps only a session.</p>
  <button type="submit">Sign in with API key</button>
</form>`,
  );
}

export function errorPage(title: string, message: string, v?: Viewer): Html {
  return page(title, html`<p class="error" role="alert">${message}</p><p><a href="${BASE}/inbox">Back to the inbox</a></p>`, v);
}

export interface InboxRow {
  a: ApprovalRequest;
  verdict: ActVerdict;
}

export function inboxTable(rows: readonly InboxRow[], nowMs: number, empty: string): Html {
  if (rows.length === 0) return html`<p class="inbox-empty">${empty}</p>`;
  return html`<table class="list">
<thead><tr><th scope="col">Request</th><th scope="col">Requester</th><th scope="col">Action</th><th scope="col">Risk</th><th scope="col">Reason</th><th scope="col">Age</th><th scope="col">Expires in</th><th scope="col">You</th></tr></thead>
<tbody>
${rows.map(
  ({ a, verdict }) => html`<tr data-id="${a.id}">
  <td><a href="${BASE}/approvals/${encodeURIComponent(a.id)}">${a.kind === 'approval' ? 'Approval' : 'Confirmation'} ${a.id.slice(-8)}</a></td>
  <td>${shortUid(a.requester)}</td>
  <td><code>${a.request.action.name}</code> on ${a.request.resource.type} <code>${a.request.resource.id}</code></td>
  <td>${riskBadge(a.command?.risk)}</td>
  <td>${a.reason ?? ''}</td>
  <td>${ago(Date.parse(a.createdAt), nowMs)}</td>
  <td>${a.status === 'pending' ? ago(nowMs, Date.parse(a.expiresAt)) : a.status}</td>
  <td>${verdict.may ? (verdict.as === 'approver' ? 'may decide' : 'may confirm') : html`<span class="muted">${verdict.code}</span>`}</td>
</tr>`,
)}
</tbody></table>`;
}

export function inboxPage(v: Viewer, actionable: readonly InboxRow[], others: readonly InboxRow[], nowMs: number): Html {
  return page(
    'Inbox',
    html`<p class="hint" id="live-status" role="status" aria-live="polite">Requests you may act on, newest first.</p>
<section aria-labelledby="h-act" id="inbox" data-live="${BASE}/inbox/fragment">
<h2 id="h-act">Waiting for you</h2>
${inboxTable(actionable, nowMs, 'Nothing waits for you.')}
<h2 id="h-other">Other open requests you can see</h2>
${inboxTable(others, nowMs, 'None.')}
</section>`,
    v,
    '/inbox',
  );
}

export function inboxFragment(actionable: readonly InboxRow[], others: readonly InboxRow[], nowMs: number): Html {
  return html`<h2 id="h-act">Waiting for you</h2>
${inboxTable(actionable, nowMs, 'Nothing waits for you.')}
<h2 id="h-other">Other open requests you can see</h2>
${inboxTable(others, nowMs, 'None.')}`;
}

function riskBadge(risk: string | undefined): Html {
  if (!risk) return html`<span class="muted">n/a</span>`;
  return html`<span class="risk risk-${risk}">${risk}</span>`;
}

function dl(items: readonly [string, unknown][]): Html {
  return html`<dl class="facts">${items.map(([k, val]) => html`<dt>${k}</dt><dd>${val}</dd>`)}</dl>`;
}

export function commandBlock(text: string, shell: string, analysis: CommandAnalysis | undefined): Html {
  if (!analysis) return html`<pre class="command"><code>${text}</code></pre><p class="error">The command could not be analyzed here; read it in full above.</p>`;
  const segs = segments(text, analysis.findings);
  return html`<figure class="command-view">
<figcaption>Command (${shell}), risk ${riskBadge(analysis.risk)}, verdict <strong>${analysis.verdict}</strong>${analysis.incomplete ? ', analysis incomplete' : ''}</figcaption>
<pre class="command"><code>${segs.map((s) => (s.finding === undefined ? s.text : html`<mark class="sev-${analysis.findings[s.finding]!.severity}" id="span-${s.finding}" title="${analysis.findings[s.finding]!.rule}">${s.text}</mark>`))}</code></pre>
</figure>
${analysis.summary.length > 0 ? html`<h3>What it does</h3><ul class="summary">${analysis.summary.map((l) => html`<li>${l}</li>`)}</ul>` : ''}
${
  analysis.findings.length > 0
    ? html`<h3>Findings</h3><ul class="findings">${analysis.findings.map(
        (f, i) => html`<li><a href="#span-${i}"><span class="risk risk-${f.severity}">${f.severity}</span> ${f.rule}</a> (${f.category}, ATT&amp;CK ${f.technique}, characters ${f.span.start}–${f.span.end}): ${f.explanation}</li>`,
      )}</ul>`
    : html`<p>No findings.</p>`
}`;
}

export interface ApprovalPageModel {
  a: ApprovalRequest;
  fields: ActionField[];
  command?: { text: string; shell: string; analysis: CommandAnalysis | undefined };
  verdict: ActVerdict;
  nowMs: number;
  evidenceOf: string;
  error?: string;
  notice?: string;
}

function votesTable(a: ApprovalRequest): Html {
  if (a.votes.length === 0) return html`<p>No votes yet.</p>`;
  return html`<table class="list"><thead><tr><th scope="col">Who</th><th scope="col">Decision</th><th scope="col">Reason</th><th scope="col">Channel</th><th scope="col">When</th><th scope="col">Audit</th></tr></thead><tbody>
${a.votes.map((x) => html`<tr><td>${shortUid(x.approver)}</td><td>${x.decision}</td><td>${x.reason}</td><td>${x.channel}</td><td>${x.at}</td><td>${x.audit ? `${x.audit.writer} #${x.audit.seq}` : ''}</td></tr>`)}
</tbody></table>`;
}

function chain(a: ApprovalRequest): Html {
  if (a.delegationChain.length === 0) return html`<span class="muted">no delegation</span>`;
  return html`<ol class="chain">${a.delegationChain.map((u) => html`<li>${shortUid(u)}</li>`)}</ol>`;
}

export function approvalPage(v: Viewer, m: ApprovalPageModel): Html {
  const { a } = m;
  const approvals = a.votes.filter((x) => x.decision === 'approve').length;
  const title = `${a.kind === 'approval' ? 'Approval' : 'Confirmation'} ${a.id}`;
  return page(
    title,
    html`${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
<p id="changed" class="notice" role="status" hidden>This request changed since the page loaded; reload to see it.</p>
<p class="status" data-approval-id="${a.id}">Status: <strong id="status">${a.status}</strong>${a.status === 'pending' ? html` · expires in ${ago(m.nowMs, Date.parse(a.expiresAt))} (${a.expiresAt})` : ''}</p>
<section aria-labelledby="h-why"><h2 id="h-why">Why it stopped</h2>
${dl([
  ['Reason', a.reason ?? '(none given)'],
  ['Policies', a.policyIds.join(', ')],
  ['Approvers', a.approvers ? shortUid(a.approvers) : a.kind === 'confirmation' ? 'the initiator' : 'any approver'],
  ['Quorum', `${approvals} of ${a.quorum}`],
  ['Separation of duties', ['requester', 'initiator', 'delegation path', ...a.sod].join(', ')],
])}</section>
<section aria-labelledby="h-who"><h2 id="h-who">Who</h2>
${dl([
  ['Requester', shortUid(a.requester)],
  ['Owner', shortUid(a.owner) || '(none)'],
  ['Initiator', shortUid(a.initiator) || '(none)'],
  ['Caller', `${a.caller.type} ${a.caller.id} via ${a.caller.via}`],
  ['Delegation path', chain(a)],
])}</section>
<section aria-labelledby="h-what"><h2 id="h-what">What will run</h2>
<p>Action hash <code class="hash">${a.actionHash}</code> — the approval binds to exactly this action.</p>
${m.command ? commandBlock(m.command.text, m.command.shell, m.command.analysis) : ''}
<h3>Every field of the action</h3>
<table class="list fields"><thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr></thead><tbody>
${m.fields.map((f) => html`<tr><th scope="row"><code>${f.path}</code></th><td><code>${f.value}</code></td></tr>`)}
</tbody></table>
<p class="hint">Secrets are shown as [REDACTED]; the action hash covers the real values.</p>
</section>
<section aria-labelledby="h-votes"><h2 id="h-votes">Votes</h2>${votesTable(a)}</section>
<section aria-labelledby="h-you" class="decide"><h2 id="h-you">Your decision</h2>
${decisionForm(v, m)}
</section>
<p><a href="${BASE}/evidence/${encodeURIComponent(m.evidenceOf)}">Evidence of the request that opened it</a></p>`,
    v,
  );
}

function decisionForm(v: Viewer, m: ApprovalPageModel): Html {
  const { a, verdict } = m;
  if (!verdict.may) {
    return html`<p class="refusal" id="may-act" role="note"><strong>You may not ${a.kind === 'approval' ? 'decide' : 'confirm'} this request.</strong> Rule <code>${verdict.code}</code>: ${verdict.message}.</p>`;
  }
  if (verdict.as === 'confirmer') {
    return html`<p id="may-act">You initiated this action: you confirm it.</p>
<form method="post" action="${BASE}/approvals/${encodeURIComponent(a.id)}/review" class="stack">
  <input type="hidden" name="_csrf" value="${v.csrf}">
  <input type="hidden" name="decision" value="confirm">
  <button type="submit" class="primary">Confirm…</button>
</form>`;
  }
  return html`<p id="may-act">You may decide this request.</p>
<form method="post" action="${BASE}/approvals/${encodeURIComponent(a.id)}/review" class="stack">
  <input type="hidden" name="_csrf" value="${v.csrf}">
  <label for="reason">Reason (recorded with your vote)</label>
  <textarea id="reason" name="reason" rows="2" maxlength="2000"></textarea>
  <div class="buttons">
    <button type="submit" name="decision" value="approve" class="primary">Approve…</button>
    <button type="submit" name="decision" value="deny" class="danger">Deny…</button>
  </div>
</form>`;
}

/** The confirmation step: repeats what will run before the vote is cast. */
export function reviewPage(v: Viewer, m: ApprovalPageModel & { decision: 'approve' | 'deny' | 'confirm'; reason: string }): Html {
  const { a } = m;
  const verb = m.decision === 'approve' ? 'Approve' : m.decision === 'deny' ? 'Deny' : 'Confirm';
  return page(
    `${verb} this action?`,
    html`<p>You are about to <strong>${m.decision}</strong> ${a.kind} <code>${a.id}</code>. ${m.decision === 'deny' ? 'It will not run.' : 'This is what will run:'}</p>
${dl([
  ['Requester', shortUid(a.requester)],
  ['Action', html`<code>${a.request.action.name}</code> on ${a.request.resource.type} <code>${a.request.resource.id}</code>`],
  ['Action hash', html`<code class="hash">${a.actionHash}</code>`],
  ['Reason', m.reason || '(none)'],
])}
${m.command ? html`<pre class="command" id="review-command"><code>${m.command.text}</code></pre>` : ''}
<table class="list fields"><thead><tr><th scope="col">Field</th><th scope="col">Value</th></tr></thead><tbody>
${m.fields.map((f) => html`<tr><th scope="row"><code>${f.path}</code></th><td><code>${f.value}</code></td></tr>`)}
</tbody></table>
<form method="post" action="${BASE}/approvals/${encodeURIComponent(a.id)}/${m.decision === 'confirm' ? 'confirm' : 'vote'}" class="stack">
  <input type="hidden" name="_csrf" value="${v.csrf}">
  <input type="hidden" name="decision" value="${m.decision}">
  <input type="hidden" name="reason" value="${m.reason}">
  <input type="hidden" name="actionHash" value="${a.actionHash}">
  <div class="buttons"><button type="submit" class="${m.decision === 'deny' ? 'danger' : 'primary'}">${verb} now</button>
  <a class="button" href="${BASE}/approvals/${encodeURIComponent(a.id)}">Back</a></div>
</form>`,
    v,
  );
}

export interface TimelineEntry {
  seq: number;
  writer: string;
  at: string;
  kind: string;
  hash: string;
  verified: boolean;
  summary: string;
}

export function evidencePage(v: Viewer, m: { requestId: string; outcome?: string; timeline: TimelineEntry[]; chainOk: boolean; chainProblem?: string; reversible: boolean; reversedAs?: string; notice?: string; error?: string }): Html {
  return page(
    `Evidence of request ${m.requestId}`,
    html`${m.error ? html`<p class="error" role="alert">${m.error}</p>` : ''}${m.notice ? html`<p class="notice" role="status">${m.notice}</p>` : ''}
<p>Outcome: <strong>${m.outcome ?? 'unknown'}</strong>. Chain: ${m.chainOk ? html`<span class="ok">verified</span>` : html`<span class="error">${m.chainProblem ?? 'not verified'}</span>`}.</p>
<ol class="timeline">
${m.timeline.map(
  (t) => html`<li class="kind-${t.kind.replace(/[^a-z]/g, '-')}"><span class="seq">#${t.seq}</span> <strong>${t.kind}</strong> <time datetime="${t.at}">${t.at}</time>
  ${t.verified ? html`<span class="ok" title="record hash ${t.hash}">✓ verified in the chain</span>` : html`<span class="error">✗ not verified</span>`}
  <div>${t.summary}</div></li>`,
)}
</ol>
${m.reversedAs ? html`<p>Reversal requested as <a href="${BASE}/evidence/${encodeURIComponent(m.reversedAs)}">${m.reversedAs}</a>.</p>` : ''}
${
  m.reversible
    ? html`<form method="post" action="${BASE}/evidence/${encodeURIComponent(m.requestId)}/reverse"><input type="hidden" name="_csrf" value="${v.csrf}"><button type="submit" class="danger">Start the recorded reversal</button> <span class="hint">It goes through the whole pipeline: policy, approvals, audit.</span></form>`
    : ''
}`,
    v,
  );
}

export { join };
