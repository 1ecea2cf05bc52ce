export { chatApprovalEventData } from './approval-event.js';
export type { ChatApprovalEventData } from './approval-event.js';
export { CHAT_FIELDS, CHAT_NHI_KINDS, chatCodes, chatLinkMatches, chatSubjectFacts, checkChatBinding, digestMessage, parseChatContext, prepareChatRequest, resolveInitiator } from './provenance.js';
export type { ChatBinding, ChatCode, ChatContext, ChatHuman, ChatParse, ChatSubjectFacts, HumanDirectory, PreparedChatRequest, ResolvedInitiator } from './provenance.js';
