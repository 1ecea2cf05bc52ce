import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'airlock-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('loadConfig: file < environment < flags', () => {
  it('reads YAML and JSON files; the environment overrides the file, flags override both', () => {
    const yaml = file('a.yaml', 'port: 9000\nlogLevel: warn\nmaxInFlightDecisions: 8\nslack:\n  signingSecret: s3cr3t-s3cr3t-s3cr3t\n  botToken: xoxb-1\n  approvalsChannel: C01\n');
    const c = loadConfig({ port: 9002 }, { AIRLOCK_CONFIG: yaml, AIRLOCK_LOG_LEVEL: 'error', AIRLOCK_SLACK_APPROVALS_CHANNEL: 'C02' });
    expect(c.port).toBe(9002);
    expect(c.logLevel).toBe('error');
    expect(c.maxInFlightDecisions).toBe(8);
    expect(c.slack).toMatchObject({ botToken: 'xoxb-1', approvalsChannel: 'C02' });
    const json = file('a.json', JSON.stringify({ headersTimeoutMs: 2000 }));
    expect(loadConfig({}, {}, json).headersTimeoutMs).toBe(2000);
  });

  it('unknown keys, bad values, duplicate keys, aliases and unreadable files are ERR_CONFIG_INVALID naming the problem', () => {
    expect(() => loadConfig({}, {}, file('u.yaml', 'prot: 1\n'))).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/prot/) }));
    expect(() => loadConfig({}, {}, file('v.yaml', 'port: high\n'))).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/port/) }));
    expect(() => loadConfig({}, {}, file('d.yaml', 'port: 1\nport: 2\n'))).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => loadConfig({}, {}, file('x.yaml', 'a: &x 1\nport: *x\n'))).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => loadConfig({}, {}, file('l.yaml', '- 1\n- 2\n'))).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }));
    expect(() => loadConfig({}, {}, join(dir, 'missing.yaml'))).toThrow(expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/ENOENT/) }));
  });

  it('settings valid alone but contradictory together are ERR_CONFIG_INVALID, not a crash at listen', () => {
    expect(() => loadConfig({}, {}, file('t.yaml', 'headersTimeoutMs: 60000\nrequestTimeoutMs: 30000\n'))).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID', message: expect.stringMatching(/headersTimeoutMs \(60000\) must be at most requestTimeoutMs \(30000\)/) }),
    );
    expect(loadConfig({}, {}, file('t2.yaml', 'headersTimeoutMs: 60000\nrequestTimeoutMs: 60000\n')).headersTimeoutMs).toBe(60000);
  });
});
