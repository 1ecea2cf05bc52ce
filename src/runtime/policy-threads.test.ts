import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uidKey } from '../core/entity-uid.js';
import { compileBundle, type CompiledBundle } from '../policy/bundle.js';
import { toPolicyRequest } from '../policy/request-mapping.js';
import type { CedarEntity, PolicyRequest } from '../policy/types.js';
import { loadBundle } from './load-bundle.js';
import { createPolicyThreads, type PolicyThreads } from './policy-threads.js';

const open: PolicyThreads[] = [];
const bundles: CompiledBundle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
  for (const b of bundles.splice(0)) b.dispose();
});

function threadsOf(size: number, events: { ready: number[]; errors: string[] } = { ready: [], errors: [] }, limits: { stallMs?: number; loadStallMs?: number } = {}) {
  const waiters: (() => void)[] = [];
  const t = createPolicyThreads({
    size,
    restartMs: 10,
    ...limits,
    onReady: (i) => {
      events.ready.push(i);
      waiters.splice(0).forEach((w) => w());
    },
    onError: (e) => void events.errors.push(e.message),
  });
  open.push(t);
  /** Resolves once `n` threads are ready (on the thread's own message, no timer). */
  const readyCount = async (n: number) => {
    while (t.ready() < n) await new Promise<void>((r) => waiters.push(r));
  };
  return { t, events, readyCount };
}

async function exampleBundle(): Promise<CompiledBundle> {
  const r = await loadBundle('policies/example');
  if (!r.ok) throw new Error('example bundle did not compile');
  bundles.push(r.bundle);
  return r.bundle;
}

/** The example bundle's own test cases, mapped as the gateway maps a request. */
function requestsOf(bundle: CompiledBundle): PolicyRequest[] {
  return bundle.tests.map((c) => {
    const own = new Map<string, CedarEntity>((c.entities ?? []).map((e) => [uidKey(e.uid), e]));
    return toPolicyRequest(c.request, (uid) => own.get(uidKey(uid)) ?? bundle.staticEntities.get(uidKey(uid)), bundle.namespace, undefined, bundle.claims);
  });
}

const tiny = (effect: 'permit' | 'forbid') => {
  const r = compileBundle({
    'schema.cedarschema': 'namespace Airlock { entity Agent; entity Tool; action "tool.invoke" appliesTo { principal: Agent, resource: Tool }; }',
    'main.cedar': `@id("p") ${effect}(principal, action == Airlock::Action::"tool.invoke", resource);`,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  bundles.push(r.bundle);
  return r.bundle;
};
const tinyRequest: PolicyRequest = {
  principal: { type: 'Airlock::Agent', id: 'a' },
  action: { type: 'Airlock::Action', id: 'tool.invoke' },
  resource: { type: 'Airlock::Tool', id: 't' },
  context: {},
  entities: [],
};

/**
 * 5,000 policies: about half a second for a thread to prepare here, far past the load-stall limit
 * the test sets. Compiled before any other test: on Node 20, compiling it after the example bundle
 * had been compiled and evaluated crashed the process in V8's deoptimizer (the defect issue 14
 * names, in 3 of 6 runs; Node 24 ran that order 6 of 6 times cleanly; Node 20 is outside `engines`).
 */
let big: CompiledBundle | undefined;
const bigBundle = (): CompiledBundle => big!;
beforeAll(() => {
  const policies = Array.from({ length: 5000 }, (_, i) => `@id("p${i}") permit(principal, action == Airlock::Action::"tool.invoke", resource == Airlock::Tool::"t${i || ''}");`);
  const r = compileBundle({ 'schema.cedarschema': 'namespace Airlock { entity Agent; entity Tool; action "tool.invoke" appliesTo { principal: Agent, resource: Tool }; }', 'main.cedar': policies.join('\n') });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  big = r.bundle;
});
afterAll(() => big?.dispose());

describe('policy threads', () => {
  it('answer every example test case exactly as evaluation on the event loop does', async () => {
    const bundle = await exampleBundle();
    const { t, readyCount } = threadsOf(2);
    await t.load(bundle);
    await readyCount(2);
    const requests = requestsOf(bundle);
    expect(requests.length).toBeGreaterThan(20);
    const inline = requests.map((r) => {
      try {
        return bundle.evaluate(r);
      } catch (e) {
        return { threw: (e as Error).message };
      }
    });
    const threaded = await Promise.all(requests.map((r) => t.evaluate(bundle, r).catch((e: Error) => ({ threw: e.message }))));
    expect(threaded).toEqual(inline);
    expect(inline.some((a) => 'decision' in a && a.decision === 'allow')).toBe(true);
    expect(inline.some((a) => 'decision' in a && a.decision === 'deny')).toBe(true);
  });

  it('a thread that stops fails its evaluations closed, is reported, and starts again with the bundle', async () => {
    const bundle = tiny('permit');
    const { t, events, readyCount } = threadsOf(1);
    await t.load(bundle);
    await readyCount(1);
    // Held by the thread when it ends: rejected (the gateway answers deny), never left hanging.
    const held = Array.from({ length: 50 }, () => t.evaluate(bundle, tinyRequest).then((a) => a.decision, (e: Error) => e.message));
    await t.stopThread(0);
    const answers = await Promise.all(held);
    expect(answers.every((a) => a === 'allow' || /policy thread 0 stopped/.test(a))).toBe(true);
    expect(events.errors.some((m) => /policy thread 0 stopped|exited/.test(m))).toBe(true);
    await readyCount(1);
    expect(events.ready).toEqual([0, 0]);
    expect((await t.evaluate(bundle, tinyRequest)).decision).toBe('allow');
  });

  it('a thread that answers nothing for stallMs is ended: what it held is denied, and it starts again', async () => {
    const bundle = tiny('permit');
    const { t, events, readyCount } = threadsOf(1, undefined, { stallMs: 100 });
    await t.load(bundle);
    await readyCount(1);
    // One Cedar call over 100,000 entities runs for seconds (about 2 s on the 2-core CI box): far past
    // stallMs. Without the watchdog it would answer allow, and so would the call queued behind it.
    const many = Array.from({ length: 100_000 }, (_, i) => ({ uid: { type: 'Airlock::Agent', id: `x${i}` }, attrs: {}, parents: [] }));
    const stuck = t.evaluate(bundle, { ...tinyRequest, entities: many }).then((a) => a.decision, (e: Error) => e.message);
    const behind = t.evaluate(bundle, tinyRequest).then((a) => a.decision, (e: Error) => e.message);
    expect(await stuck).toMatch(/^policy thread 0 stopped: no answer for \d+ ms \(stalled\)/);
    expect(await behind).toMatch(/stalled/);
    expect(events.errors.filter((m) => /stalled/.test(m))).toHaveLength(1);
    await readyCount(1);
    expect(events.ready).toEqual([0, 0]);
    expect((await t.evaluate(bundle, tinyRequest)).decision).toBe('allow');
  });

  it('a thread that takes too long to prepare a bundle is ended as stalled, and the load still completes', async () => {
    const { t, events, readyCount } = threadsOf(1, undefined, { stallMs: 50, loadStallMs: 50 });
    await readyCount(1);
    // Resolves: the thread started in its place prepares every bundle in force as it starts.
    const big = bigBundle();
    await t.load(big);
    expect(events.errors.filter((m) => /stalled/.test(m))).toHaveLength(1);
    await readyCount(1);
    expect(events.ready).toEqual([0, 0]);
    expect((await t.evaluate(big, tinyRequest)).determining).toEqual(['p0']);
  });

  it('a reload: the new bundle is answered by the threads; an evaluation sent before a release still gets its own bundle', async () => {
    const before = tiny('permit');
    const after = tiny('forbid');
    const { t, readyCount } = threadsOf(1);
    await t.load(before);
    await readyCount(1);
    expect((await t.evaluate(before, tinyRequest)).decision).toBe('allow');
    await t.load(after);
    expect((await t.evaluate(after, tinyRequest)).decision).toBe('deny');
    expect((await t.evaluate(after, tinyRequest)).determining).toEqual(['p']);
    // Sent, then released at once: the thread takes messages in order, so the set is still there.
    const inFlight = t.evaluate(before, tinyRequest);
    t.release(before);
    expect((await inFlight).decision).toBe('allow');
  });

  it('a thread started again holds every bundle still in force, and none released', async () => {
    const a = tiny('permit');
    const b = tiny('forbid');
    const { t, readyCount } = threadsOf(1);
    await t.load(a);
    await t.load(b);
    t.release(a);
    await readyCount(1);
    await t.stopThread(0);
    await readyCount(1);
    expect((await t.evaluate(b, tinyRequest)).decision).toBe('deny');
  });

  it('before any thread is ready, and for a bundle never loaded, evaluation runs here with the same answer', async () => {
    const bundle = tiny('permit');
    const { t } = threadsOf(1);
    // Not awaited: the thread may not be ready yet, the answer must not depend on it.
    expect((await t.evaluate(bundle, tinyRequest)).decision).toBe('allow');
    const unloaded = tiny('forbid');
    expect((await t.evaluate(unloaded, tinyRequest)).decision).toBe('deny');
  });

  it('a request no policy can apply to is a deny without a Cedar call', async () => {
    const bundle = tiny('permit');
    const { t, readyCount } = threadsOf(1);
    await t.load(bundle);
    await readyCount(1);
    const other: PolicyRequest = { ...tinyRequest, action: { type: 'Airlock::Action', id: 'not.declared' } };
    expect(await t.evaluate(bundle, other)).toEqual({ decision: 'deny', determining: [], errors: [] });
  });

  it('refuses a size that is not a positive integer', () => {
    expect(() => createPolicyThreads({ size: 0, onError: () => undefined })).toThrow(/positive integer/);
  });
});
