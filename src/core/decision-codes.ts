/**
 * Reason codes carried by decisions. These are values, not errors: a deny is a normal answer.
 * Pinned by test/pins/decision-codes.test.ts and documented in docs/api.md.
 */
export const decisionCodes = {
  policy_permit: 'a permit policy matched',
  policy_forbid: 'a forbid policy matched',
  default_deny: 'no permit policy matched',
  approval_required: 'policy requires an independent human approval',
  confirmation_required: 'policy requires an explicit confirmation',
  evaluation_error: 'a policy failed to evaluate; treated as deny',
  audit_unavailable: 'the decision could not be recorded; treated as deny',
  no_bundle: 'no policy bundle is loaded',
  unknown_subject: 'the subject is neither in the identity registry nor a static entity of the bundle',
  subject_inactive: 'the subject is suspended, retired or expired',
  subject_unowned: 'the subject has no active owner (owner missing, retired or suspended)',
  approval_consumed: 'an approval for exactly this action was used (once)',
  confirmation_consumed: 'a confirmation for exactly this action was used (once)',
  approval_already_used: 'the presented approval was already used; an approval allows one execution',
  approval_unverifiable: 'context.approval is not a usable approval reference',
  out_of_scope: 'the presented approval is bound to a different action or requester',
  approval_expired: 'the presented approval has expired',
  grant_pending: 'the presented approval is still pending',
  approval_limit: 'the requester has too many pending approvals and confirmations open; no new one is opened',
  approval_unverified: 'the approval\'s votes are not in the audit log; it cannot be used (an alarm is raised)',
  approval_sod_chain: 'an approver of this approval is on the delegation path presented with the request',
  command_missing: 'the command text in context.command is missing, empty or only whitespace',
  target_missing: 'a shell or file tool call whose command or path could not be found in its input; never decided on a guessed target',
  command_invalid: 'context.command must be the command text or {text, shell}',
  analysis_unavailable: 'the command analyzer is not loaded',
  analysis_error: 'command analysis failed; treated as deny',
  unknown_action: 'the bundle\'s schema declares no such action',
  unknown_entity_type: 'the bundle\'s schema declares no such entity type for the subject or the resource',
  property_refused: 'a request property names an attribute the caller may not supply',
  internal_error: 'an internal error occurred on the decision path; treated as deny',
  // Delegated execution paths (DESIGN §2 step 3); same texts as delegation/codes.ts `delegationCodes`.
  delegation_invalid: 'the delegation token or its chain is malformed, forged, spliced or does not verify',
  delegation_expired: 'the delegation token or a link of its chain has expired',
  delegation_revoked: 'a link of the delegation chain has been revoked',
  delegation_actor_mismatch: 'the caller is not the current actor of the delegation token',
  delegation_actor_inactive: 'an identity on the delegation path is no longer active and owned',
  delegation_scope: 'the requested action or resource is outside the delegated scope',
  delegation_required: 'the subject acts only under delegation and presented no delegation token',
  // Chat-native execution (DESIGN §1); same texts as integrations/chat/provenance.ts `chatCodes`.
  chat_context_invalid: 'context.chat is not {platform, workspace, channel, thread?, user, messageId, messageDigest}',
  chat_requires_nhi: 'a chat-triggered request must run as an owned bot or agent NHI, never a human or a shared identity',
} as const;

export type DecisionCode = keyof typeof decisionCodes;
