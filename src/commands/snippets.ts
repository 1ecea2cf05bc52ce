/** Inline code for other interpreters: recorded for text rules; shell strings it runs are analyzed. */
import type { Invocation, Snippet } from './ir.js';
import { fixedMapper, type Engine, type SpanMapper } from './engine.js';

const SHELL_CALL =
  /(?:os\.system|os\.popen|subprocess\.(?:call|run|Popen|check_output|check_call|getoutput|getstatusoutput)|\bsystem|\bexec|\bexecSync|\bspawnSync|\bshell_exec|\bpassthru|\bpopen|\bproc_open|IO\.popen|\.exec)\s*\(\s*(?:["']?sh["']?\s*,\s*["']-c["']\s*,\s*)?(['"])([^'"\n]{1,4000})\1/g;
const BACKTICKS = /`([^`\n]{1,4000})`/g;

export function scanSnippet(engine: Engine, via: Invocation, lang: Snippet['lang'], code: string, map: SpanMapper): void {
  const span = map(0, code.length);
  engine.snippets.push({ lang, text: code, span, via });
  if (lang === 'awk') {
    for (const m of code.matchAll(/system\s*\(\s*"([^"\n]{1,4000})"/g)) engine.analyze('posix', m[1]!, fixedMapper(span), via.depth + 1, via, via.decoded);
    return;
  }
  for (const m of code.matchAll(SHELL_CALL)) {
    engine.tick();
    engine.analyze('posix', m[2]!, fixedMapper(span), via.depth + 1, via, via.decoded);
  }
  if (lang === 'perl' || lang === 'ruby' || lang === 'php') for (const m of code.matchAll(BACKTICKS)) engine.analyze('posix', m[1]!, fixedMapper(span), via.depth + 1, via, via.decoded);
}
