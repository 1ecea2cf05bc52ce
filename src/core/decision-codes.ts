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
  internal_error: 'an internal error occurred on the decision path; treated as deny',
} as const;

export type DecisionCode = keyof typeof decisionCodes;
