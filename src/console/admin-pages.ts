/**
 * Delegations, identities and audit pages of the console. Revocation, suspension and resumption go
 * through the functions the API uses (revokeLinkAs, IdentityService.setStatus) with the API's role
 * rules, so the audit records and refusals are the same.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FoundDecision } from '../runtime/audit-log.js';
import { AirlockError } from '../core/errors.js';
import type { DelegationLink } from '../delegation/repo.js';
import { linkStatus } from '../delegation/links.js';
import { hasRole } from '../identity/subject.js';
import type { Identity } from '../identity/types.js';
import { mayViewLink, revokeLinkAs } from '../http/routes/delegations.js';
import type { EdgeRuntime } from '../runtime/runtime.js';
import { html, type Html } from './html.js';
import { shortUid } from './model.js';
import type { ConsoleSession } from './sessions.js';
import type { Who } from './who.js';
import { BASE, page, type Viewer } from './views.js';

export interface AdminPageDeps {
  runtime: EdgeRuntime;
  requireUser(req: FastifyRequest, reply: FastifyReply): Promise<Who | undefined>;
  csrfOk(req: FastifyRequest, session: ConsoleSession | undefined): boolean;
  refuseCsrf(reply: FastifyReply, req: FastifyRequest): void;
  field(req: FastifyRequest, name: string): string;
  problem(e: unknown, req: FastifyRequest): { code: string; message: string; rule?: string };
  sendPage(reply: FastifyReply, body: Html, status?: number): FastifyReply;
  isAdmin(w: Who): boolean;
  /** Ends every console session of a person (suspended). */
  destroyFor(humanId: string): void;
}

const isReader = (i: Identity) => hasRole(i, 'admin') || hasRole(i, 'auditor');
/** Audit search reads at most this many of the newest records per writer (said on the page). */
export const AUDIT_SEARCH_WINDOW = 5000;

function linkLine(l: DelegationLink, nowMs: number): Html {
  const st = linkStatus(l, nowMs);
  return html`<span class="link-status st-${st}">${st}</span> ${shortUid(l.delegator)} → <strong>${shortUid(l.delegate)}</strong> · scope <code>${l.scope}</code> · expires ${l.expiresAt} · <span class="muted">${l.id}</span>`;
}

function tree(links: readonly DelegationLink[], nowMs: number, actions: (l: DelegationLink) => Html): Html {
  const byParent = new Map<string, DelegationLink[]>();
  const ids = new Set(links.map((l) => l.id));
  const roots: DelegationLink[] = [];
  for (const l of links) {
    if (l.parentId !== undefined && ids.has(l.parentId)) byParent.set(l.parentId, [...(byParent.get(l.parentId) ?? []), l]);
    else roots.push(l);
  }
  const render = (l: DelegationLink, depth: number): Html =>
    html`<li data-link="${l.id}">${linkLine(l, nowMs)} ${actions(l)}${depth < 32 && byParent.has(l.id) ? html`<ul>${byParent.get(l.id)!.map((c) => render(c, depth + 1))}</ul>` : ''}</li>`;
  return roots.length === 0 ? html`<p>No delegation links.</p>` : html`<ul class="tree">${roots.map((l) => render(l, 0))}</ul>`;
}

export function registerConsoleAdminPages(scope: FastifyInstance, deps: AdminPageDeps): void {
  const { runtime } = deps;
  const open = { config: { access: 'open' } } as const;
  const now = () => runtime.clock.now();
  const forbidden = (reply: FastifyReply, v: Viewer, what: string) =>
    deps.sendPage(reply, page('Not allowed', html`<p class="error" role="alert">ERR_FORBIDDEN: ${what}</p>`, v), 403);

  // ---- delegations ----

  async function visibleLinks(who: Who): Promise<DelegationLink[]> {
    const desk = runtime.delegations;
    if (isReader(who.acting)) return desk.list({ limit: 1000 });
    // As the API: the paths one is on; and the links whose delegate one owns.
    const me = desk.uidOf(who.acting);
    const mine = await desk.list({ actor: me, limit: 1000 });
    const owned = await Promise.all(
      who.viewer.owns.map(async (id) => {
        const nhi = await runtime.identities.find(id);
        return nhi ? desk.list({ actor: desk.uidOf(nhi), limit: 1000 }) : [];
      }),
    );
    const all = new Map<string, DelegationLink>();
    for (const l of [...mine, ...owned.flat()]) all.set(l.id, l);
    return [...all.values()];
  }

  async function subtree(id: string): Promise<DelegationLink[]> {
    const out: DelegationLink[] = [];
    const stack = [id];
    while (stack.length > 0 && out.length < 10_000) {
      const cur = stack.pop()!;
      const l = await runtime.delegations.get(cur);
      if (l) out.push(l);
      for (const c of await runtime.delegations.children(cur)) stack.push(c.id);
    }
    return out;
  }

  scope.get(`${BASE}/delegations`, open, async (req, reply) => {
    const who = await deps.requireUser(req, reply);
    if (!who) return reply;
    const t = now();
    const links = (await visibleLinks(who)).filter((l) => linkStatus(l, t) === 'active');
    const mayRevoke = new Set<string>();
    for (const l of links) if (await runtime.delegations.mayRevoke(who.acting, l.id)) mayRevoke.add(l.id);
    return deps.sendPage(
      reply,
      page(
        'Delegations',
        html`<p class="hint">Live delegation links you may see, each under the link it was delegated from.</p>
${tree(links, t, (l) => (mayRevoke.has(l.id) ? html`<a href="${BASE}/delegations/${encodeURIComponent(l.id)}/revoke">Revoke…</a>` : html``))}`,
        who.viewer,
        '/delegations',
      ),
    );
  });

  scope.get(`${BASE}/delegations/:id/revoke`, open, async (req, reply) => {
    const who = await deps.requireUser(req, reply);
    if (!who) return reply;
    const id = (req.params as { id: string }).id;
    if (!(await runtime.delegations.get(id)) || !(await mayViewLink(runtime, who.acting, id))) throw new AirlockError('ERR_NOT_FOUND', `no delegation link ${id}`);
    const t = now();
    const cascade = (await subtree(id)).filter((l) => linkStatus(l, t) === 'active');
    return deps.sendPage(
      reply,
      page(
        'Revoke a delegation',
        html`<p>Revoking this link also revokes every link delegated from it. <strong>${cascade.length} link${cascade.length === 1 ? '' : 's'}</strong> will be revoked:</p>
<div id="cascade">${tree(cascade, t, () => html``)}</div>
<form method="post" action="${BASE}/delegations/${encodeURIComponent(id)}/revoke" class="stack">
  <input type="hidden" name="_csrf" value="${who.session.csrf}">
  <label for="reason">Reason</label>
  <input id="reason" name="reason" maxlength="500" value="revoked in the console">
  <div class="buttons"><button type="submit" class="danger">Revoke ${cascade.length} link${cascade.length === 1 ? '' : 's'}</button> <a class="button" href="${BASE}/delegations">Back</a></div>
</form>`,
        who.viewer,
        '/delegations',
      ),
    );
  });

  scope.post(`${BASE}/delegations/:id/revoke`, open, async (req, reply) => {
    const who = await deps.requireUser(req, reply);
    if (!who) return reply;
    if (!deps.csrfOk(req, who.session)) return deps.refuseCsrf(reply, req);
    const id = (req.params as { id: string }).id;
    const reason = deps.field(req, 'reason') || 'revoked in the console';
    if (reason.length > 500) throw new AirlockError('ERR_REQUEST_INVALID', 'reason: at most 500 characters');
    const r = await revokeLinkAs(runtime, { identity: who.acting, caller: who.caller }, id, reason);
    return deps.sendPage(
      reply,
      page(
        'Delegation revoked',
        html`<p class="notice" role="status">Revoked ${r.revoked.length} link${r.revoked.length === 1 ? '' : 's'} (audit record #${r.auditSeq}).</p>
<ul id="revoked">${r.revoked.map((x) => html`<li><code>${x}</code></li>`)}</ul>
<p><a href="${BASE}/delegations">Back to the delegations</a></p>`,
        who.viewer,
        '/delegations',
      ),
    );
  });

  // ---- identities ----

  scope.get(`${BASE}/identities`, open, async (req, reply) => {
    const who = await deps.requireUser(req, reply);
    if (!who) return reply;
    const reader = isReader(who.acting);
    if (!reader && who.viewer.owns.length === 0) return forbidden(reply, who.viewer, 'the inventory needs the admin or auditor role (or NHIs you own)');
    const all = await runtime.identities.list({});
    const shown = reader ? all : all.filter((i) => i.class === 'nhi' && i.owner === who.person.id);
    const report = reader ? await runtime.inventoryReport() : undefined;
    const section = (title: string, rows: readonly { id: string }[], line: (r: never) => string) =>
      html`<h2>${title} (${rows.length})</h2>${rows.length === 0 ? html`<p>None.</p>` : html`<ul>${rows.map((r) => html`<li><a href="${BASE}/identities/${encodeURIComponent(r.id)}">${r.id}</a> ${line(r as never)}</li>`)}</ul>`}`;
    return deps.sendPage(
      reply,
      page(
        'Identities',
        html`${
          report
            ? html`<p>${report.counts.nhis.total} NHIs, ${report.counts.humans.total} people, ${report.counts.keys.active} active keys (policy ${report.policyVersion ?? 'none'}).</p>
${section('Orphaned', report.orphaned, (r: { reason: string; owner: string }) => `owner ${r.owner}: ${r.reason}`)}
${section('Stale (unused)', report.unused, (r: { neverUsed: boolean; idleDays: number | null }) => (r.neverUsed ? 'never used' : `idle ${r.idleDays} days`))}
<h2>Keys due for rotation (${report.keys.overRotationAge.length})</h2>${report.keys.overRotationAge.length === 0 ? html`<p>None.</p>` : html`<ul>${report.keys.overRotationAge.map((k) => html`<li>${k.keyId} of ${k.identityId}, ${k.ageDays} days old</li>`)}</ul>`}
${section('Can reach approval-gated actions', report.approvalReach, (r: { actions: { action: string }[] }) => r.actions.map((a) => a.action).join(', '))}
<p class="hint">${report.approvalReachMethod}</p>`
            : html`<p>The NHIs you own.</p>`
        }
<h2>All ${reader ? '' : 'your '}identities</h2>
<table class="list"><thead><tr><th scope="col">Id</th><th scope="col">Class</th><th scope="col">Kind / roles</th><th scope="col">Owner</th><th scope="col">Status</th></tr></thead><tbody>
${shown.map((i) => html`<tr><td><a href="${BASE}/identities/${encodeURIComponent(i.id)}">${i.id}</a></td><td>${i.class}</td><td>${i.class === 'nhi' ? i.kind : i.roles.join(', ')}</td><td>${i.class === 'nhi' ? i.owner : ''}</td><td>${i.status}</td></tr>`)}
</tbody></table>`,
        who.viewer,
        '/identities',
      ),
    );
  });

  const recentDecisions = (match: (rec: Record<string, unknown>) => boolean, limit: number): Promise<FoundDecision[]> => runtime.auditLog.recentDecisions(match, limit, AUDIT_SEARCH_WINDOW);

  function decisionsTable(rows: Awaited<ReturnType<typeof recentDecisions>>): Html {
    if (rows.length === 0) return html`<p>No decisions found.</p>`;
    return html`<table class="list"><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Subject</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">Outcome</th></tr></thead><tbody>
${rows.map(({ seq, at, rec }) => {
  const r = rec['request'] as { subject?: { type: string; id: string }; action?: { name: string }; resource?: { type: string; id: string } } | undefined;
  const d = rec['decision'] as { outcome?: string } | undefined;
  return html`<tr><td>${seq}</td><td>${at}</td><td>${r?.subject ? `${r.subject.type} ${r.subject.id}` : ''}</td><td><code>${r?.action?.name ?? ''}</code></td><td>${r?.resource ? `${r.resource.type} ${r.resource.id}` : ''}</td><td><a href="${BASE}/evidence/${encodeURIComponent(String(rec['requestId']))}">${d?.outcome ?? ''}</a></td></tr>`;
})}
</tbody></table>`;
  }

  scope.get(`${BASE}/identities/:id`, open, async (req, reply) => {
    const who = await deps.requireUser(req, reply);
    if (!who) return reply;
    const id = (req.params as { id: string }).id;
    const i = await runtime.identities.find(id);
    const visible = i !== undefined && (isReader(who.acting) || (i.class === 'nhi' && i.owner === who.person.id) || i.id === who.person.id);
    if (!i || !visible) throw new AirlockError('ERR_NOT_FOUND', `no identity ${id}`);
    const keys = await runtime.identities.listKeys(i.class, i.id);
    const uid = runtime.delegations.uidOf(i);
    const t = now();
    const links = (await runtime.delegations.list({ actor: uid, limit: 200 })).filter((l) => linkStatus(l, t) === 'active');
    const decisions = await recentDecisions((rec) => {
      const s = (rec['request'] as { subject?: { id?: string; type?: string } } | undefined)?.subject;
      return s?.id === i.id;
    }, 20);
    const admin = deps.isAdmin(who) && i.id !== who.person.id;
    const q = req.query as Record<string, unknown>;
    return deps.sendPage(
      reply,
      page(
        `${i.class === 'nhi' ? 'NHI' : 'Person'} ${i.id}`,
        html`${typeof q['done'] === 'string' ? html`<p class="notice" role="status">Recorded: ${q['done']}.</p>` : ''}
<dl class="facts"><dt>Status</dt><dd id="identity-status">${i.status}</dd>
${i.class === 'nhi' ? html`<dt>Kind</dt><dd>${i.kind}</dd><dt>Owner</dt><dd>${i.owner}</dd><dt>Purpose</dt><dd>${i.purpose}</dd><dt>Environments</dt><dd>${i.environments.join(', ')}</dd>` : html`<dt>Roles</dt><dd>${i.roles.join(', ') || 'none'}</dd>`}
<dt>Groups</dt><dd>${i.groups.join(', ') || 'none'}</dd></dl>
<h2>Keys</h2>${keys.length === 0 ? html`<p>None.</p>` : html`<ul>${keys.map((k) => html`<li><code>${k.keyId}</code> ${k.label ?? ''} created ${k.createdAt}${k.revokedAt ? ` · revoked ${k.revokedAt}` : ''}${k.lastUsedAt ? ` · last used ${k.lastUsedAt}` : ' · never used'}</li>`)}</ul>`}
<h2>Active delegations</h2>${links.length === 0 ? html`<p>None.</p>` : html`<ul>${links.map((l) => html`<li>${linkLine(l, t)}</li>`)}</ul>`}
<h2>Recent decisions</h2>${decisionsTable(decisions)}
${
  admin
    ? html`<form method="post" action="${BASE}/identities/${encodeURIComponent(i.id)}/${i.status === 'active' ? 'suspend' : 'resume'}"><input type="hidden" name="_csrf" value="${who.session.csrf}"><button type="submit" class="${i.status === 'active' ? 'danger' : 'primary'}">${i.status === 'active' ? 'Suspend' : 'Resume'} ${i.id}</button>${i.status === 'active' ? html` <span class="hint">Suspending revokes every delegation link where it is an actor.</span>` : ''}</form>`
    : ''
}`,
        who.viewer,
        '/identities',
      ),
    );
  });

  for (const op of ['suspend', 'resume'] as const) {
    scope.post(`${BASE}/identities/:id/${op}`, open, async (req, reply) => {
      const who = await deps.requireUser(req, reply);
      if (!who) return reply;
      if (!deps.csrfOk(req, who.session)) return deps.refuseCsrf(reply, req);
      if (!deps.isAdmin(who)) throw new AirlockError('ERR_FORBIDDEN', 'this needs a human with role admin');
      const id = (req.params as { id: string }).id;
      const i = await runtime.identities.find(id);
      if (!i) throw new AirlockError('ERR_NOT_FOUND', `no identity ${id}`);
      await runtime.identities.setStatus(i.class, i.id, op, { type: who.caller.type, id: who.caller.id, via: 'console', ...(who.caller.keyId ? { keyId: who.caller.keyId } : {}) });
      if (op === 'suspend' && i.class === 'human') deps.destroyFor(i.id);
      return reply.redirect(`${BASE}/identities/${encodeURIComponent(id)}?done=${op === 'suspend' ? 'suspended' : 'resumed'}`, 303);
    });
  }

  // ---- audit ----

  scope.get(`${BASE}/audit`, open, async (req, reply) => {
    const who = await deps.requireUser(req, reply);
    if (!who) return reply;
    if (!isReader(who.acting)) return forbidden(reply, who.viewer, 'the audit log needs the admin or auditor role');
    const q = req.query as Record<string, unknown>;
    const s = (k: string) => (typeof q[k] === 'string' ? (q[k] as string).trim().slice(0, 200) : '');
    const f = { subject: s('subject'), action: s('action'), outcome: s('outcome'), from: s('from'), to: s('to') };
    const searching = Object.values(f).some((v) => v !== '');
    const rows = searching
      ? await recentDecisions((rec) => {
          const r = rec['request'] as { subject?: { id?: string; type?: string }; action?: { name?: string } } | undefined;
          const d = rec['decision'] as { outcome?: string } | undefined;
          return (!f.subject || `${r?.subject?.type ?? ''} ${r?.subject?.id ?? ''}`.includes(f.subject)) && (!f.action || r?.action?.name === f.action) && (!f.outcome || d?.outcome === f.outcome);
        }, 200)
      : [];
    const inTime = rows.filter((r) => (!f.from || r.at >= f.from) && (!f.to || r.at <= f.to));
    const report = await runtime.auditLog.verify();
    const checkpoints = await Promise.all(report.writers.map(async (w) => ({ writer: w.writer, cp: await runtime.auditLog.latestCheckpoint(w.writer) })));
    const outcomes = ['', 'allow', 'deny', 'approval_required', 'confirmation_required'];
    return deps.sendPage(
      reply,
      page(
        'Audit',
        html`<h2>Chain status</h2>
<p>Verified just now (${new Date(now()).toISOString()}): ${report.ok ? html`<span class="ok">intact</span>` : html`<span class="error">broken</span>`}, ${report.total} records.</p>
<table class="list"><thead><tr><th scope="col">Writer</th><th scope="col">Records</th><th scope="col">Head</th><th scope="col">Last anchored checkpoint</th><th scope="col">Problem</th></tr></thead><tbody>
${report.writers.map((w) => {
  const cp = checkpoints.find((c) => c.writer === w.writer)?.cp;
  return html`<tr><td>${w.writer}</td><td>${w.count}</td><td>${w.head ? html`#${w.head.seq} <code class="hash">${w.head.hash}</code>` : ''}</td><td>${cp ? `#${cp.seq} signed ${cp.at ?? ''}` : 'none yet'}</td><td>${w.problem ? w.problem.message : ''}</td></tr>`;
})}
</tbody></table>
<h2>Search decisions</h2>
<form method="get" action="${BASE}/audit" class="search">
  <label for="subject">Subject</label> <input id="subject" name="subject" value="${f.subject}" placeholder="Agent release-bot">
  <label for="action">Action</label> <input id="action" name="action" value="${f.action}">
  <label for="outcome">Outcome</label> <select id="outcome" name="outcome">${outcomes.map((o) => html`<option value="${o}"${o === f.outcome ? html` selected` : ''}>${o || 'any'}</option>`)}</select>
  <label for="from">From</label> <input id="from" name="from" value="${f.from}" placeholder="2026-12-01T00:00:00Z">
  <label for="to">To</label> <input id="to" name="to" value="${f.to}" placeholder="2026-12-02T00:00:00Z">
  <button type="submit">Search</button>
</form>
<p class="hint">Searches the newest ${AUDIT_SEARCH_WINDOW} records of each writer; the CLI's <code>airlock audit</code> reads the whole log.</p>
${searching ? decisionsTable(inTime) : ''}`,
        who.viewer,
        '/audit',
      ),
    );
  });
}
