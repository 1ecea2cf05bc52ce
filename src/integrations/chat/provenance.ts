import { createHash } from 'node:crypto';
import type { ApproverFacts } from '../../approval/types.js';
import type { AuthorizationRequest } from '../../core/types.js';

/**
 * Chat provenance (DESIGN §1 "chat-native execution"): where a chat-triggered action came from.
 * A chat surface (Slack bot, ops copilot) puts it in `context.chat`; the gateway validates it,
 * resolves the chat user to a Human (`context.initiator`) and enforces the binding rule before
 * policy sees the request.
 */
export interface ChatContext {
  /** Lower-case platform name: `slack`, `teams`, `mattermost`, `discord`, … */
  platform: string;
  /** Workspace / tenant / guild id (Slack team id `T…`). */
  workspace: string;
  channel: string;
  /** Thread root id (Slack `thread_ts`); absent when the message was not in a thread. */
  thread?: string;
  /** The chat user who wrote the message (Slack user id `U…`). */
  user: string;
  /** Id of the message that asked (Slack message `ts`). */
  messageId: string;
  /** `sha256:<64 hex>` over the UTF-8 text of that message: binds the action to what was asked. */
  messageDigest: string;
}

export const CHAT_FIELDS = ['platform', 'workspace', 'channel', 'thread', 'user', 'messageId', 'messageDigest'] as const;

/** Stable codes for the chat step, as decision reason codes. */
export const chatCodes = {
  chat_context_invalid: 'context.chat is not {platform, workspace, channel, thread?, user, messageId, messageDigest}',
  chat_requires_nhi: 'a chat-triggered request must run as an owned bot or agent NHI, never a human or a shared identity',
} as const;
export type ChatCode = keyof typeof chatCodes;

const MAX_FIELD = 256;
const PLATFORM_RE = /^[a-z][a-z0-9_-]{0,31}$/;
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
// Printable, no controls (C0, DEL, C1) and no bidi/zero-width format characters: these ids are
// shown to approvers and matched against links, so what is stored is what is seen.
const FIELD_RE = /^[^\p{Cc}\p{Cf}\s][^\p{Cc}\p{Cf}]*$/u;

export type ChatParse = { ok: true; chat: ChatContext | undefined } | { ok: false; code: 'chat_context_invalid'; message: string };

const invalid = (message: string): ChatParse => ({ ok: false, code: 'chat_context_invalid', message });

/**
 * Validates `request.context.chat`. Absent → `{ok: true, chat: undefined}` (not a chat request).
 * Strict: every field a string within 256 characters, no unknown keys, `platform` lower-case,
 * `messageDigest` `sha256:<hex>`, `thread` optional.
 */
export function parseChatContext(request: AuthorizationRequest): ChatParse {
  const raw = request.context?.['chat'];
  if (raw === undefined) return { ok: true, chat: undefined };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return invalid('context.chat must be an object');
  const rec = raw as Record<string, unknown>;
  const extra = Object.keys(rec).filter((k) => !(CHAT_FIELDS as readonly string[]).includes(k));
  if (extra.length > 0) return invalid(`context.chat has unknown fields: ${extra.join(', ')}`);
  for (const k of CHAT_FIELDS) {
    const v = rec[k];
    if (v === undefined && k === 'thread') continue;
    if (typeof v !== 'string' || v.length === 0) return invalid(`context.chat.${k} must be a non-empty string`);
    if (v.length > MAX_FIELD || !FIELD_RE.test(v)) return invalid(`context.chat.${k} must be at most ${MAX_FIELD} printable characters`);
  }
  if (!PLATFORM_RE.test(rec['platform'] as string)) return invalid('context.chat.platform must be a lower-case name like "slack"');
  if (!DIGEST_RE.test(rec['messageDigest'] as string)) return invalid('context.chat.messageDigest must be sha256:<64 lower-case hex>');
  const chat: ChatContext = {
    platform: rec['platform'] as string,
    workspace: rec['workspace'] as string,
    channel: rec['channel'] as string,
    user: rec['user'] as string,
    messageId: rec['messageId'] as string,
    messageDigest: rec['messageDigest'] as string,
  };
  if (typeof rec['thread'] === 'string') chat.thread = rec['thread'];
  return { ok: true, chat };
}

/** `sha256:<hex>` of a chat message's text (UTF-8, as received: no normalisation). */
export function digestMessage(text: string): string {
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** A Human as the chat edges need it: the approval facts, the bare registry id and a name to show. */
export type ChatHuman = ApproverFacts & { id: string; displayName: string };

/**
 * Finds the Human whose `links[platform]` names this chat user. Implemented over the identity
 * registry (see {@link chatLinkMatches}); an unknown user resolves to undefined.
 */
export interface HumanDirectory {
  byChatUser(platform: string, workspace: string, user: string): Promise<ChatHuman | undefined>;
}

/**
 * Does a Human's link value name this chat user? A link is either the bare user id (`U0123`) or
 * qualified by workspace (`T0001/U0123`); a qualified link matches only its own workspace. Ids
 * compare exactly (chat user ids are opaque and case-sensitive).
 */
export function chatLinkMatches(link: string | undefined, workspace: string, user: string): boolean {
  if (link === undefined || link.length === 0) return false;
  const slash = link.indexOf('/');
  if (slash < 0) return link === user;
  return link.slice(0, slash) === workspace && link.slice(slash + 1) === user;
}

/** `context.initiator` as policy sees it, plus the uid text the approval rules compare. */
export interface ResolvedInitiator {
  initiator: { type: 'Human'; id: string };
  uid: string;
}

/** Resolves the chat user to its Human; undefined for an unknown user (policy then sees no initiator). */
export async function resolveInitiator(chat: ChatContext, humans: HumanDirectory): Promise<ResolvedInitiator | undefined> {
  const h = await humans.byChatUser(chat.platform, chat.workspace, chat.user);
  return h ? { initiator: { type: 'Human', id: h.id }, uid: h.uid } : undefined;
}

/** What the binding rule needs to know about the request's subject, from the identity registry. */
export interface ChatSubjectFacts {
  /** `nhi` and `human` for registry identities; `other` for anything else (a static entity, a vouched subject). */
  class: 'nhi' | 'human' | 'other';
  /** NHI kind (`agent`, `bot`, `service_account`, …). */
  kind?: string;
  /** Id of the owning Human. */
  owner?: string;
  /** A shared identity (the NHI's attribute `shared: true`): never acts for a chat user. */
  shared?: boolean;
}

export type ChatBinding = { ok: true } | { ok: false; code: ChatCode; message: string };

/** Chat requests may run only as these NHI kinds. */
export const CHAT_NHI_KINDS: readonly string[] = ['bot', 'agent'];

/**
 * The binding rule (pure; the gateway calls it after resolving the subject, before policy):
 * a request with `context.chat` must have an NHI subject of kind `bot` or `agent` with an owner,
 * never a Human subject and never a shared identity — the chat user's ambient rights are never
 * used (DESIGN §1). A request without `context.chat` passes. A malformed `context.chat` is
 * `chat_context_invalid`.
 *
 * @example
 * const b = checkChatBinding(req, { class: 'nhi', kind: 'bot', owner: 'erin' }); // { ok: true }
 */
export function checkChatBinding(request: AuthorizationRequest, subject: ChatSubjectFacts): ChatBinding {
  const parsed = parseChatContext(request);
  if (!parsed.ok) return parsed;
  if (!parsed.chat) return { ok: true };
  const deny = (why: string): ChatBinding => ({ ok: false, code: 'chat_requires_nhi', message: `${chatCodes.chat_requires_nhi}: ${why}` });
  if (subject.class === 'human') return deny('the subject is a Human');
  if (subject.class !== 'nhi') return deny('the subject is not a registered NHI');
  if (subject.kind === undefined || !CHAT_NHI_KINDS.includes(subject.kind)) return deny(`an NHI of kind ${subject.kind ?? 'unknown'} cannot act for chat (bot or agent only)`);
  if (subject.owner === undefined || subject.owner.length === 0) return deny('the NHI has no owner');
  if (subject.shared === true) return deny('the NHI is a shared identity');
  return { ok: true };
}

/** The facts {@link checkChatBinding} needs, from a registry identity (structural, so any store shape fits). */
export function chatSubjectFacts(identity: { class: 'nhi' | 'human'; kind?: string; owner?: string; attributes?: Record<string, unknown> } | undefined): ChatSubjectFacts {
  if (!identity) return { class: 'other' };
  if (identity.class === 'human') return { class: 'human' };
  const f: ChatSubjectFacts = { class: 'nhi', shared: identity.attributes?.['shared'] === true };
  if (identity.kind !== undefined) f.kind = identity.kind;
  if (identity.owner !== undefined) f.owner = identity.owner;
  return f;
}

export type PreparedChatRequest =
  | { ok: true; request: AuthorizationRequest; chat?: ChatContext; initiatorUid?: string }
  | { ok: false; code: ChatCode; message: string };

/**
 * The whole chat step in one call: validate `context.chat`, apply the binding rule, then set
 * `context.initiator` from the chat user (replacing any initiator the caller claimed: a bot cannot
 * name who asked it). An unknown chat user leaves no initiator. Requests without `context.chat`
 * come back unchanged. Call it before the action hash is computed, so the hash covers the
 * resolved initiator.
 */
export async function prepareChatRequest(request: AuthorizationRequest, subject: ChatSubjectFacts, humans: HumanDirectory): Promise<PreparedChatRequest> {
  const parsed = parseChatContext(request);
  if (!parsed.ok) return parsed;
  if (!parsed.chat) return { ok: true, request };
  const bound = checkChatBinding(request, subject);
  if (!bound.ok) return bound;
  const resolved = await resolveInitiator(parsed.chat, humans);
  const context: Record<string, unknown> = { ...request.context };
  delete context['initiator'];
  if (resolved) context['initiator'] = resolved.initiator;
  const out: PreparedChatRequest = { ok: true, request: { ...request, context }, chat: parsed.chat };
  if (resolved) out.initiatorUid = resolved.uid;
  return out;
}
