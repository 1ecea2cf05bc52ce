import { decisionCodes } from '../../core/decision-codes.js';
import type { AuthorizationRequest, Reason } from '../../core/types.js';
import { matchesUid, registryTypeOf } from '../../identity/entity.js';
import type { Identity } from '../../identity/types.js';
import type { IdentityRepo } from '../../store/port.js';
import { qualifyType } from '../../core/entity-uid.js';
import { hashAction } from '../../core/action-hash.js';
import { endWith, NEXT, type ChatStepDeps, type StepFactory } from '../pipeline.js';

/** Where a chat surface puts its provenance (DESIGN §1 "chat-native execution"). */
export const CHAT_CONTEXT_KEY = 'chat';

export type ChatStep = { kind: 'none' } | { kind: 'prepared'; request: AuthorizationRequest } | { kind: 'refused'; reason: Reason };

/**
 * Runs after the subject is resolved (step 2) and before anything hashes or evaluates the request:
 * "chat-triggered actions run as a distinct, owned NHI (never the human's ambient rights)"
 * (DESIGN §1). A request without `context.chat` passes untouched. Without a chat step configured, a
 * request carrying `context.chat` is refused (fail closed, DESIGN §6): nobody checked its binding.
 */
export async function bindChat(req: AuthorizationRequest, ns: string, chat: ChatStepDeps | undefined, registry: IdentityRepo | undefined): Promise<ChatStep> {
  if (req.context?.[CHAT_CONTEXT_KEY] === undefined) return { kind: 'none' };
  if (!chat) return { kind: 'refused', reason: { code: 'chat_context_invalid', message: `${decisionCodes.chat_context_invalid}: this gateway has no chat step configured` } };
  const type = qualifyType(req.subject.type, ns);
  let identity: Identity | undefined;
  if (registry && registryTypeOf(type, ns)) {
    const found = await registry.get(req.subject.id);
    if (found && matchesUid(found, { type, id: req.subject.id }, ns)) identity = found;
  }
  const prepared = await chat.prepare(req, identity);
  if (!prepared.ok) return { kind: 'refused', reason: { code: prepared.code, message: prepared.message } };
  return { kind: 'prepared', request: prepared.request };
}

/**
 * The chat step: a chat-triggered request runs as an owned bot/agent NHI, and context.initiator is
 * the Human linked to the chat user, never what the bot claims (DESIGN §1). The action hash covers
 * the resolved initiator.
 */
export const chatStep: StepFactory = (deps) => ({
  name: 'chat',
  phase: 'decide',
  async run(s) {
    const chat = await bindChat(s.request, s.bundle.namespace, deps.chat, deps.registry);
    if (chat.kind === 'refused') return endWith('deny', [chat.reason]);
    if (chat.kind === 'prepared') {
      s.request = s.policyRequest = chat.request;
      s.actionHash = hashAction(chat.request);
    }
    return NEXT;
  },
});
