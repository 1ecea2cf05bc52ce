import { describe, expect, it } from 'vitest';
import { mayRunScript } from './script-hint.js';

describe('mayRunScript: when the hook loads the analyzer to read scripts', () => {
  it('says maybe for every way of running a script by path', () => {
    for (const c of [
      './deploy.sh',
      'bash deploy',
      'sh -e ./x',
      'sudo bash ./install.sh',
      'python3 tool.py --fast',
      'node scripts/build',
      'pwsh -File .\\x.ps1',
      '. ./env',
      'source venv/bin/activate',
      'cd app && ./run',
      'FOO=1 /opt/tools/run-all',
      'echo hi; perl x',
      'make && ../bin/release',
      'env -i ~/bin/go',
      'C:\\tools\\run.bat',
      'cat x | $(echo bash) y',
      'ls `echo ./x`',
      'npx tsx src/main.ts',
    ]) expect(mayRunScript(c), c).toBe(true);
  });

  it('says no for everyday commands that run no script by path', () => {
    for (const c of ['git status', 'ls -la /etc', 'npm test', 'grep -rn foo src', 'cat /etc/hosts | wc -l', 'docker ps', 'kubectl get pods -n prod', 'echo done']) {
      expect(mayRunScript(c), c).toBe(false);
    }
  });
});
