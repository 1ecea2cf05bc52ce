/**
 * Nested code inside an invocation (an argument, its stdin) handed back to the engine, and the span
 * mappers that point findings inside it at the original input. Shared by unwrap.ts and the
 * PowerShell host expander (a leaf: neither imports the other through it).
 */
import { DYN, type Invocation, type Lang } from './ir.js';
import { fixedMapper, shiftMapper, type SpanMapper, type WalkEngine } from './engine-api.js';

export function argMapper(engine: WalkEngine, inv: Invocation, i: number, value: string): SpanMapper {
  const span = inv.argSpans[i] ?? inv.span;
  const raw = engine.input.slice(span.start, span.end);
  const at = raw.indexOf(value);
  if (value.length > 0 && at >= 0 && raw.length - value.length <= 3) return shiftMapper((x, y) => ({ start: x, end: y }), span.start + at);
  return fixedMapper(span);
}

export function stdinMapper(engine: WalkEngine, inv: Invocation): SpanMapper {
  const span = inv.stdinSpan ?? inv.span;
  const text = inv.stdinText ?? '';
  if (!inv.stdinDecoded && engine.input.slice(span.start, span.end) === text) return shiftMapper((x, y) => ({ start: x, end: y }), span.start);
  return fixedMapper(span);
}

/** Tools whose whole purpose is to print shell set-up code for `eval "$(tool …)"`. */
const ENV_PRINTERS = /^(ssh-agent|gpg-agent|keychain|pyenv|rbenv|nodenv|jenv|goenv|plenv|direnv|brew|starship|zoxide|fnm|mise|rtx|asdf|conda|mamba|micromamba|opam|dircolors|thefuck|docker-machine|minikube|navi|atuin|mcfly|fzf|kubectl|helm|gh|rustup|pipenv|poetry|uv|npm|pnpm|rye|nix|op|aws-vault|luarocks|perl|ruby)$/;

function fromEnvPrinter(inv: Invocation): boolean {
  const subs = inv.substitutions;
  return subs.length > 0 && subs.every((s) => (ENV_PRINTERS.test(s.program) && !s.args.some((a) => /^-[ce]$/.test(a))) || (s.program === 'cat' && s.args.length > 0 && s.args.every((a) => !a.startsWith('/dev/') && !a.includes(DYN))));
}

export function nested(engine: WalkEngine, inv: Invocation, lang: Lang, code: string, map: SpanMapper, decoded = false): void {
  if (code.includes(DYN) && fromEnvPrinter(inv)) return;
  if (code.includes(DYN)) {
    engine.event('dynamic_code', inv.span, `${inv.program} runs code that is only known when the command runs`, inv.depth);
    // PowerShell expressions were already walked in place; re-parsing their text adds nothing.
    if (inv.lang === 'powershell' && lang === 'powershell') return;
    code = code.split(DYN).join(' ');
  }
  const added = engine.analyze(lang, code, map, inv.depth + 1, inv, decoded || inv.decoded);
  if (inv.root) for (const x of added) x.root = true;
}
