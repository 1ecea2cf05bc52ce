/** The contract every rule file implements: its own id, category, severity and example cases. */
import type { Invocation, RuleContext } from '../ir.js';
import type { Category, Severity, Shell, Span } from '../types.js';

export interface Hit {
  span: Span;
  explanation: string;
  /** Overrides the rule's category (a catalog rule's finding takes the meaning of the capability used). */
  category?: Category;
  /** Overrides the rule's severity (catalog rules take it from the target touched). */
  severity?: Severity;
  /** Overrides the rule's ATT&CK technique (catalog rules take it from the target or program). */
  technique?: string;
}

/** `[shell, command]`: positives must raise this rule, negatives must not. */
export type RuleCase = readonly [Shell, string];

export interface Rule {
  readonly id: string;
  readonly category: Category;
  readonly severity: Severity;
  /** MITRE ATT&CK technique id (T1059.004) that the finding maps to, unless a hit names its own. */
  readonly technique: string;
  /** True when each finding takes its severity, category and technique from the catalog entry it matched. */
  readonly variable?: boolean;
  /** One line for docs/commands.md. */
  readonly title: string;
  check(ctx: RuleContext): Hit[];
  readonly cases: { readonly positive: readonly RuleCase[]; readonly negative: readonly RuleCase[] };
}

export function defineRule(r: Rule): Rule {
  return r;
}

/** A rule that looks at one invocation at a time. */
export function perInvocation(fn: (inv: Invocation, ctx: RuleContext) => string | undefined): (ctx: RuleContext) => Hit[] {
  return (ctx) => {
    const out: Hit[] = [];
    for (const inv of ctx.invocations) {
      const e = fn(inv, ctx);
      if (e) out.push({ span: inv.span, explanation: e });
    }
    return out;
  };
}

/** A rule that matches deobfuscated PowerShell script text. */
export function perPsScript(fn: (text: string) => string | undefined): (ctx: RuleContext) => Hit[] {
  return (ctx) => {
    const out: Hit[] = [];
    for (const s of ctx.psScripts) {
      const e = fn(s.text);
      if (e) out.push({ span: s.span, explanation: e });
    }
    return out;
  };
}
