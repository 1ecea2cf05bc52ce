export { compileBundle, bundleVersion, isBundleFile, ENTITIES_FILE } from './bundle.js';
export type { CompiledBundle, CompileResult } from './bundle.js';
export { toPolicyRequest, toCedarValue, toCedarRecord } from './request-mapping.js';
export type { EntityResolver } from './request-mapping.js';
export { decideOutcome } from './outcome.js';
export type { PolicyTable } from './outcome.js';
export { runPolicyTests } from './test-runner.js';
export type { PolicyTestResult } from './test-runner.js';
export { readAnnotations, knownAnnotations, knownSod, maxQuorum } from './annotations.js';
export { SCHEMA_FILE } from './schema-info.js';
export type {
  CedarUid,
  CedarEntity,
  PolicyRequest,
  PolicyEvaluation,
  PolicyInfo,
  BundleProblem,
  PolicyTestCase,
  PolicyOutcome,
} from './types.js';
export { qualifyType, uidKey } from '../core/entity-uid.js';
