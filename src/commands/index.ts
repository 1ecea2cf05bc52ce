/** Command analyzer public surface (DESIGN §1, §2 step 4). */
export { createAnalyzer } from './analyzer.js';
export type { CreateAnalyzerOptions } from './analyzer.js';
export { toPolicyContext } from './policy-context.js';
export { buildCatalog, builtinCatalog, parseCatalogFile, CatalogInvalid } from './catalog/catalog.js';
export type { Catalog } from './catalog/catalog.js';
export { capabilities, catalogFileSchema } from './catalog/schema.js';
export type { Capability, CatalogFile, ProgramEntry, TargetEntry } from './catalog/schema.js';
export { redact } from './redact.js';
export { rules } from './rules/index.js';
export type { Rule, RuleCase } from './rules/rule.js';
export { categories, defaultLimits, shells, verdictFor, severityRank } from './types.js';
export type {
  Analyzer, AnalyzeOptions, AnalyzerLimits, Category, CommandAnalysis, CommandFacts, CommandPolicyContext, Finding, Risk, Severity, Shell, Span, Verdict,
} from './types.js';
