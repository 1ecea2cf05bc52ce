import { loadAnalyzer } from '../../src/runtime/load-grammars.js';
import type { Analyzer } from '../../src/commands/types.js';

/** Generous time budget: tests assert behaviour, not speed (a loaded CI box must not flip results). */
export function testAnalyzer(): Promise<Analyzer> {
  return loadAnalyzer({ timeBudgetMs: 2000 });
}
