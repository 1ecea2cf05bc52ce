/** Inline code for other interpreters: recorded for text rules; shell strings it runs are analyzed. */
import type { Invocation, Snippet } from './ir.js';
import { fixedMapper, type WalkEngine, type SpanMapper } from './engine-api.js';
import { decodeBase64Text, decodeHex } from './decode.js';

const SHELL_CALL =
  /(?:os\.system|os\.popen|subprocess\.(?:call|run|Popen|check_output|check_call|getoutput|getstatusoutput)|\bsystem|\bexec|\bexecSync|\bspawnSync|\bshell_exec|\bpassthru|\bpopen|\bproc_open|IO\.popen|\.exec)\s*\(\s*(?:["']?sh["']?\s*,\s*["']-c["']\s*,\s*)?(['"])([^'"\n]{1,4000})\1/g;
const BACKTICKS = /`([^`\n]{1,4000})`/g;

export function scanSnippet(engine: WalkEngine, via: Invocation, lang: Snippet['lang'], code: string, map: SpanMapper): void {
  const before = engine.invocations.length;
  try {
    scan(engine, via, lang, code, map);
  } finally {
    // Code started by a root interpreter runs as root too.
    if (via.root) for (const x of engine.invocations.slice(before)) x.root = true;
  }
}

function scan(engine: WalkEngine, via: Invocation, lang: Snippet['lang'], code: string, map: SpanMapper): void {
  const span = map(0, code.length);
  engine.snippets.push({ lang, text: code, span, via });
  if (lang === 'awk') {
    for (const m of code.matchAll(/system\s*\(\s*"([^"\n]{1,4000})"/g)) engine.analyze('posix', m[1]!, fixedMapper(span), via.depth + 1, via, via.decoded);
    return;
  }
  // Encoded payloads handed to the interpreter's own decoder (b64decode, pack("H*"), fromhex).
  for (const m of code.matchAll(/(?:b64decode|decodebytes|decode64|atob|Buffer\.from)\s*\(\s*b?['"]([A-Za-z0-9+/=]{8,})['"]/g)) {
    const text = decodeBase64Text(m[1]!);
    if (text) engine.analyze('posix', text, fixedMapper(span), via.depth + 1, via, true);
  }
  for (const m of code.matchAll(/(?:pack\s*\(\s*["']H\*["']\s*,\s*|fromhex\s*\(\s*|unhexlify\s*\(\s*b?)["']([0-9a-fA-F]{8,})["']/g)) {
    const text = decodeHex(m[1]!);
    if (text) engine.analyze('posix', text, fixedMapper(span), via.depth + 1, via, true);
  }
  if (lang === 'other') for (const m of code.matchAll(/do shell script\s+"((?:[^"\\]|\\.){1,4000})"/g)) engine.analyze('posix', m[1]!.replace(/\\"/g, '"'), fixedMapper(span), via.depth + 1, via, via.decoded);
  for (const m of code.matchAll(SHELL_CALL)) {
    engine.tick();
    engine.analyze('posix', m[2]!, fixedMapper(span), via.depth + 1, via, via.decoded);
  }
  if (lang === 'perl' || lang === 'ruby' || lang === 'php') for (const m of code.matchAll(BACKTICKS)) engine.analyze('posix', m[1]!, fixedMapper(span), via.depth + 1, via, via.decoded);
}
