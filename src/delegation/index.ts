// The delegation domain (DESIGN §1 "Delegated execution paths", §2 step 3). Named exports only.
export { delegationCodes, issueRefusalCodes, oauthErrorStatus, refusal, safeDescription } from './codes.js';
export type { DelegationCode, IssueRefusalCode, OAuthError, OAuthErrorCode } from './codes.js';
export { DELEGATION_DEFAULTS } from './defaults.js';
export { exchangeToken } from './exchange.js';
export type { ExchangeDeps, ExchangeResult } from './exchange.js';
export { issueDelegation } from './issue.js';
export type { DelegationChecks, IssueDelegationInput, IssueResult, MayDelegateRequest } from './issue.js';
export { describePath, hashLink, linkStatus, revokeDelegation, revokeDelegationsOfActor } from './links.js';
export type { LinkContent, LinkStatus, PathEntry, RevokeInput } from './links.js';
export { createMemoryDelegationRepo } from './memory-repo.js';
export type { DelegationFilter, DelegationLink, DelegationRepo } from './repo.js';
export { itemCovers, parseScope, scopeAllows, scopeCovers, SCOPE_LIMITS } from './scope.js';
export type { Scope, ScopeItem, ScopeParse, ScopeRequest } from './scope.js';
export {
  DELEGATION_HARD_MAX_DEPTH,
  DELEGATION_LEEWAY_S,
  DELEGATION_TYP,
  createTokenCache,
  nestActors,
  signDelegationToken,
  tokenRefusals,
  unnestActors,
  verifyDelegationToken,
} from './token.js';
export type { ActClaim, DelegationClaims, TokenCache, TokenCheck, TokenRefusal, VerifyTokenOptions } from './token.js';
export {
  parseTokenExchangeForm,
  parseTtl,
  TOKEN_EXCHANGE_GRANT,
  TOKEN_RESPONSE_HEADERS,
  TOKEN_TYPE_CALLER,
  TOKEN_TYPE_IDENTITY,
  TOKEN_TYPE_JWT,
  tokenExchangeResponse,
} from './token-exchange.js';
export type { SubjectTokenType, TokenExchangeParse, TokenExchangeRequest, TokenExchangeResponse } from './token-exchange.js';
export { parseUid } from './uid.js';
export type { Uid } from './uid.js';
export { pathIdentities, verifyChain, verifyDelegation } from './verify-chain.js';
export { formatUid, qualifyType } from '../core/entity-uid.js';
export type { ChainVerdict, DelegationContext, VerifiedChain, VerifyDelegationOptions } from './verify-chain.js';
