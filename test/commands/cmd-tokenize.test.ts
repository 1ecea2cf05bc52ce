import { describe, expect, it } from 'vitest';
import { tokenizeCmd } from '../../src/commands/cmd/tokenize.js';

const words = (s: string): string[][] => tokenizeCmd(s).map((seg) => seg.words.map((w) => w.value));

describe('cmd.exe tokenizer', () => {
  it('splits on &, &&, || and | and keeps the separator', () => {
    const segs = tokenizeCmd('a 1 & b 2 && c || d | e');
    expect(segs.map((s) => s.words.map((w) => w.value).join(' '))).toEqual(['a 1', 'b 2', 'c', 'd', 'e']);
    expect(segs.map((s) => s.next)).toEqual(['&', '&&', '||', '|', '']);
  });
  it('^ escapes the next character, including separators', () => {
    expect(words('p^o^w^e^r^s^h^e^l^l -c x')).toEqual([['powershell', '-c', 'x']]);
    expect(words('echo a^&b')).toEqual([['echo', 'a&b']]);
  });
  it('double quotes group words and hide separators; ^ is literal inside them', () => {
    expect(words('cmd /c "echo a & echo b"')).toEqual([['cmd', '/c', 'echo a & echo b']]);
    expect(words('echo "a^b"')).toEqual([['echo', 'a^b']]);
  });
  it('parentheses group commands', () => {
    expect(words('if exist x (del x) else (echo no)')).toEqual([['if', 'exist', 'x'], ['del', 'x'], ['else'], ['echo', 'no']]);
  });
  it('redirections are not arguments', () => {
    const [seg] = tokenizeCmd('dir > out.txt 2>&1');
    expect(seg!.words.map((w) => w.value)).toEqual(['dir']);
    expect(seg!.redirects.map((r) => [r.op, r.target])).toEqual([['>', 'out.txt'], ['2>&', '1']]);
  });
  it('offsets point into the input', () => {
    const s = 'echo hi & del /q x';
    const seg = tokenizeCmd(s)[1]!;
    expect(s.slice(seg.words[0]!.start, seg.words[0]!.end)).toBe('del');
  });
});
