/**
 * Node.js lines Airlock supports: the current LTS lines (package.json `engines`). Node 20 left
 * support in April 2026, and its V8 aborts (SIGTRAP in the deoptimizer) under sustained batch load
 * — a crash any authenticated caller could trigger — so `serve` says so at start instead of
 * running silently on it (docs/operations.md, bench/soak.mjs).
 */
export const SUPPORTED_NODE_MAJORS = [22, 24] as const;

export function nodeSupportWarning(version: string = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= SUPPORTED_NODE_MAJORS[0]) return undefined;
  return (
    `airlock: warning: Node.js ${version} is out of support; run the gateway on Node.js ${SUPPORTED_NODE_MAJORS.join(' or ')}. ` +
    `Node 20's V8 can abort under sustained batch load (see docs/operations.md).\n`
  );
}
