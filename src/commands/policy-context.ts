/** What goes into Cedar `context.command`: strings, booleans and string sets only. */
import type { CommandAnalysis, CommandPolicyContext } from './types.js';

export function toPolicyContext(a: CommandAnalysis): CommandPolicyContext {
  return {
    risk: a.risk,
    verdict: a.verdict,
    categories: [...new Set(a.categories)].sort(),
    rules: [...new Set(a.findings.map((f) => f.rule))].sort(),
    programs: [...new Set(a.facts.programs)].sort(),
    hosts: [...new Set(a.facts.hosts)].sort(),
    techniques: [...new Set(a.findings.map((f) => f.technique))].sort(),
    needsRoot: a.facts.needsRoot,
  };
}
