import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileDurably } from './durable-file.js';

describe('writeFileDurably', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'airlock-durable-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates the file with the given mode and replaces it whole, leaving no temp file', () => {
    const dir = fresh();
    const file = join(dir, 'keys.json');
    writeFileDurably(file, 'first\n', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    writeFileDurably(file, 'second\n', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('second\n');
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });

  it('a failed replace keeps the old content and removes its temp file', () => {
    const dir = fresh();
    const target = join(dir, 'head.json');
    mkdirSync(target); // renaming a file over a directory fails
    writeFileSync(join(target, 'inside'), 'x');
    expect(() => writeFileDurably(target, 'new\n', 0o644)).toThrow();
    expect(readdirSync(dir)).toEqual(['head.json']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('x');
  });
});
