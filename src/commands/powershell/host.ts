/** `powershell`/`pwsh` host options: -Command, -EncodedCommand (base64 UTF-16LE), -File… */
import type { Invocation } from '../ir.js';
import { fixedMapper, type WalkEngine } from '../engine-api.js';
import { decodeBase64Text } from '../decode.js';
import { argMapper, nested, stdinMapper } from '../nesting.js';

/** PowerShell host options (-Command, -EncodedCommand, -File…), prefix-matched as PowerShell does. */
export function expandPowerShellHost(engine: WalkEngine, inv: Invocation): void {
  const a = inv.args;
  for (let i = 0; i < a.length; i++) {
    const raw = a[i]!;
    const m = /^[-/\u2013\u2014\u2015]+([A-Za-z]+)(?::(.*))?$/.exec(raw);
    if (raw === '-') break;
    if (!m) {
      // The first operand starts the command text.
      const code = a.slice(i).join(' ');
      if (/\.ps1$/i.test(raw)) return;
      nested(engine, inv, 'powershell', code, a.length === i + 1 ? argMapper(engine, inv, i, code) : fixedMapper(inv.span));
      return;
    }
    const name = m[1]!.toLowerCase();
    const inline = m[2];
    const isEncoded = name === 'e' || name === 'ec' || (name.startsWith('en') && 'encodedcommand'.startsWith(name));
    const isCommand = name === 'c' || (name.length >= 3 && 'command'.startsWith(name));
    if (isEncoded) {
      const value = inline ?? a[i + 1] ?? '';
      const span = inv.argSpans[inline !== undefined ? i : i + 1] ?? inv.span;
      const decoded = decodeBase64Text(value, 'utf16le');
      engine.event('encoded_command', span, decoded ? `runs a base64-encoded PowerShell script: ${clip(decoded)}` : 'runs a base64-encoded PowerShell script that does not decode to text', inv.depth);
      if (decoded) nested(engine, inv, 'powershell', decoded, fixedMapper(span), true);
      else engine.event('binary_payload', span, 'an encoded command that could not be decoded', inv.depth);
      return;
    }
    if (isCommand) {
      const rest = inline !== undefined ? [inline, ...a.slice(i + 1)] : a.slice(i + 1);
      const code = rest.join(' ');
      if (code === '-') {
        if (inv.stdinText !== undefined) nested(engine, inv, 'powershell', inv.stdinText, stdinMapper(engine, inv), inv.stdinDecoded);
      } else if (code.trim()) nested(engine, inv, 'powershell', code, rest.length === 1 ? argMapper(engine, inv, i + 1, code) : fixedMapper(inv.span));
      return;
    }
    if ('file'.startsWith(name) && name[0] === 'f') return;
    if (inline === undefined && /^(w|wi|win|wind|windo|window|windows|windowst|windowsty|windowstyl|windowstyle|ep|ex|exe|exec|execu|execut|executi|executio|execution|executionp\w*|v|ve|ver|vers|versi|versio|version|inputformat|if|of|outputformat|configurationname|settingsfile|workingdirectory|wd|custompipename)$/.test(name)) i++;
  }
  if (inv.stdinText !== undefined && a.every((x) => /^[-/]/.test(x))) nested(engine, inv, 'powershell', inv.stdinText, stdinMapper(engine, inv), inv.stdinDecoded);
}


function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 80 ? one.slice(0, 77) + '…' : one;
}
