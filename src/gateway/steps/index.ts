import type { StepFactory } from '../pipeline.js';
import { commandStep } from './analyze-command.js';
import { chatStep } from './chat-binding.js';
import { policyStep } from './evaluate-policy.js';
import { subjectStep } from './resolve-subject.js';
import { requirementsStep } from './settle-requirements.js';
import { grantStep } from './sign-grant.js';
import { delegationStep } from './verify-delegation.js';

/**
 * The authorize() pipeline (DESIGN §2) in order. Step 1 (authenticate the caller) is the edge's;
 * step 7 (the audit record) is the gateway's own, around the record-phase steps (gateway.ts).
 * Adding a step: a file exporting a `StepFactory` (pipeline.ts), and one line here.
 */
export const STEPS: readonly StepFactory[] = [
  subjectStep, // 2. resolve the subject (registry status, elevations)
  chatStep, // 2b. chat provenance and binding
  delegationStep, // 3. verify the delegation chain
  commandStep, // 4. analyze the command
  policyStep, // 5. evaluate policy
  requirementsStep, // 6. settle approvals and confirmations (record phase, in the unit of work)
  grantStep, // 8. sign the execution grant (record phase, before the record holds its claims)
];
