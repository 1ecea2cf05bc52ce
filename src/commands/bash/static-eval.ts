/**
 * Computes what a pipeline of pure text producers and transforms prints, when every input is
 * static (`echo … | base64 -d`, `printf '\x63url'`, `rev <<< 'lruc'`). This is how decoded
 * payloads reach the analyzer instead of being run blind.
 */
import { DYN, type Invocation } from '../ir.js';
import { decodeBase64Bytes, decodeCEscapes, decodeHex, printableRatio, printfFormat, trTranslate, utf8 } from '../decode.js';

export interface StaticOutput {
  value: string;
  /** A decoding transform (base64, hex, rev, tr) was applied on the way. */
  decoded: boolean;
}

const MAX = 1 << 16;

/** Output of `inv` given its stdin (`input`), or undefined when it is not statically known. */
export function staticOutput(inv: Invocation, input: StaticOutput | undefined): StaticOutput | undefined {
  const args = inv.args;
  if (args.some((a) => a.includes(DYN))) return undefined;
  const stdin = input ?? (inv.stdinText !== undefined ? { value: inv.stdinText, decoded: inv.stdinDecoded } : undefined);
  let out: string | undefined;
  let decoded = stdin?.decoded ?? false;
  switch (inv.program) {
    case 'echo': {
      let i = 0;
      let escapes = false;
      let newline = true;
      while (i < args.length && /^-[neE]+$/.test(args[i]!)) {
        if (args[i]!.includes('e')) escapes = true;
        if (args[i]!.includes('n')) newline = false;
        i++;
      }
      const text = args.slice(i).join(' ');
      out = (escapes ? decodeCEscapes(text, true) : text) + (newline ? '\n' : '');
      if (escapes && /\\(x|[0-7])/.test(text)) decoded = true;
      break;
    }
    case 'printf': {
      const rest = args[0] === '--' ? args.slice(1) : args;
      if (rest.length === 0) return undefined;
      out = printfFormat(rest[0]!, rest.slice(1));
      if (/\\(x|[0-7])/.test(rest[0]!)) decoded = true;
      break;
    }
    case 'cat':
      if (args.length !== 0 && !(args.length === 1 && args[0] === '-')) return undefined;
      out = stdin?.value;
      break;
    case 'base64':
    case 'base32': {
      if (!args.some((a) => /^(-d|-D|--decode|-di|-id)$/.test(a))) return undefined;
      if (inv.program === 'base32' || !stdin) return undefined;
      const bytes = decodeBase64Bytes(stdin.value);
      out = bytes ? utf8(bytes) : undefined;
      decoded = true;
      break;
    }
    case 'openssl':
      if (!(args.includes('-d') && (args.includes('base64') || args.includes('-base64') || args.includes('-a')))) return undefined;
      if (!stdin) return undefined;
      out = ((b) => (b ? utf8(b) : undefined))(decodeBase64Bytes(stdin.value));
      decoded = true;
      break;
    case 'xxd':
      if (!(args.includes('-r') && args.includes('-p')) && !args.includes('-rp') && !args.includes('-r -p')) return undefined;
      out = stdin ? decodeHex(stdin.value) : undefined;
      decoded = true;
      break;
    case 'rev':
      if (!stdin || args.length > 0) return undefined;
      out = stdin.value
        .split('\n')
        .map((l) => [...l].reverse().join(''))
        .join('\n');
      decoded = true;
      break;
    case 'tr': {
      const sets = args.filter((a) => !a.startsWith('-'));
      if (!stdin || sets.length !== 2 || args.length !== 2) return undefined;
      out = trTranslate(stdin.value, sets[0]!, sets[1]!);
      decoded = true;
      break;
    }
    default:
      return undefined;
  }
  if (out === undefined || out.length > MAX || printableRatio(out) < 0.85) return undefined;
  return { value: out, decoded };
}

/** Output of a whole pipeline prefix, stage by stage. */
export function pipelineOutput(stages: readonly Invocation[]): StaticOutput | undefined {
  let cur: StaticOutput | undefined;
  for (let i = 0; i < stages.length; i++) {
    cur = staticOutput(stages[i]!, i === 0 ? undefined : cur);
    if (!cur) return undefined;
  }
  return cur;
}
