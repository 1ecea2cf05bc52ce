import { checkChainTails } from '../audit/tail-check.js';
import { verifyCheckpoint } from '../audit/checkpoint.js';
import type { TrustedHead } from '../audit/verify.js';
import type { Config } from '../config/schema.js';
import { AirlockError } from '../core/errors.js';
import type { KeyRing } from '../grants/keyring.js';
import type { Store } from '../store/port.js';
import { isInside, readAnchors } from './anchors.js';
import { quickCheck } from './open-data-dir.js';

/**
 * Before a process serves (issue 13, DESIGN §5): the database file passes SQLite's quick check, and
 * every audit chain's tail verifies against its latest signed checkpoint and the anchored heads.
 * A broken or cut log refuses the start with ERR_AUDIT_CORRUPT: appending onto it would reissue
 * sequence numbers that a signed head already covers.
 */
export function checkDatabaseFile(path: string): void {
  const problems = quickCheck(path);
  if (problems.length > 0) {
    throw new AirlockError('ERR_AUDIT_CORRUPT', `${path} failed SQLite's quick_check; refusing to start:\n${problems.map((p) => `  ${p}`).join('\n')}\nRestore the database from a backup (docs/operations.md).`);
  }
}

export async function checkAuditAtStart(config: Config, store: Store, auditKeys: KeyRing): Promise<void> {
  if (config.anchorDir && isInside(config.anchorDir, config.dataDir)) {
    throw new AirlockError('ERR_CONFIG_INVALID', `anchorDir ${config.anchorDir} is inside the data directory ${config.dataDir}; anchors must live where the log's writer cannot also cut them`);
  }
  const trustedKey = (kid: string) => auditKeys.publicKey(kid);
  const heads: TrustedHead[] = [];
  const problems: string[] = [];
  for (const a of config.anchorDir ? readAnchors(config.anchorDir) : []) {
    try {
      const p = await verifyCheckpoint(a.jws, trustedKey);
      heads.push({ writer: p.writer, seq: p.seq, hash: p.hash, source: `${config.anchorDir}/${p.writer}.head.json` });
    } catch (e) {
      problems.push(`anchor of writer ${a.writer} in ${config.anchorDir} does not verify with the key provider's audit keys: ${(e as Error).message}`);
    }
  }
  for (const p of await checkChainTails(store.audit, { writers: [config.writerId], trustedKey, heads })) problems.push(`writer ${p.writer} at seq ${p.seq}: ${p.message}`);
  if (problems.length > 0) {
    throw new AirlockError(
      'ERR_AUDIT_CORRUPT',
      `the audit log failed its start-up check; refusing to start:\n${problems.map((p) => `  ${p}`).join('\n')}\n` +
        'Run `airlock audit verify` for the full report; restore the database (and the key file) from a backup (docs/operations.md).',
    );
  }
}
