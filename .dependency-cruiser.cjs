/**
 * The import rules of ARCHITECTURE.md ("Import rules"), checked on every `npm test` (pretest) and
 * so in CI: `npm run depcheck`. A rule here and a sentence there say the same thing; change both.
 */
const INNER = '^src/(policy|audit|grants|gateway)/';
const NOT_TEST = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules form no cycles (the command analyzer\'s engine is handed its walkers: commands/engine-api.ts).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'core/ imports only node:crypto and its own files (no I/O, no libraries).',
      from: { path: '^src/core/', pathNot: NOT_TEST },
      to: { pathNot: ['^src/core/', '^crypto$'] },
    },
    {
      name: 'inner-no-io',
      severity: 'error',
      comment: 'policy/, audit/, grants/, gateway/ do no I/O of their own: no fs, network, processes or SQL drivers.',
      from: { path: INNER, pathNot: NOT_TEST },
      to: { path: ['^(fs|fs/promises|net|http|https|http2|tls|dgram|child_process|worker_threads)$', 'node_modules/(better-sqlite3|pg)/'] },
    },
    {
      name: 'inner-store-port-types-only',
      severity: 'error',
      comment: 'The inner modules know the store only as types from store/port.ts.',
      from: { path: INNER, pathNot: NOT_TEST },
      to: { path: '^src/store/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'inner-no-edges',
      severity: 'error',
      comment: 'Edges depend inward, never the reverse.',
      from: { path: INNER, pathNot: NOT_TEST },
      to: { path: '^src/(runtime|http|cli|console|mcp|integrations|sdk)/' },
    },
    {
      name: 'adapters-from-runtime-only',
      severity: 'error',
      comment:
        'Only runtime/ (the composition root) builds a store adapter; `airlock db` (cli/commands/db.ts) is the PostgreSQL adapter\'s own migration tool.',
      from: { pathNot: ['^src/(runtime|store)/', '^src/cli/commands/db\\.ts$', NOT_TEST] },
      to: { path: '^src/store/(sqlite|postgres|memory)/' },
    },
    {
      name: 'http-never-builds-a-runtime',
      severity: 'error',
      comment: 'http/ is handed a runtime; it never builds one.',
      from: { path: '^src/http/', pathNot: NOT_TEST },
      to: { path: '^src/runtime/runtime\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'edges-through-services',
      severity: 'error',
      comment:
        'http/ and the console reach state through the runtime\'s services (desks, registry, audit log), never the store: no import of store/ (and EdgeRuntime has no `store`).',
      from: { path: '^src/(http|console)/', pathNot: NOT_TEST },
      to: { path: '^src/store/' },
    },
    {
      name: 'console-from-http-server-only',
      severity: 'error',
      comment: 'The console is registered by http/server.ts; serve only checks whether it is enabled.',
      from: { pathNot: ['^src/console/', '^src/http/server\\.ts$', '^src/cli/commands/serve\\.ts$', NOT_TEST] },
      to: { path: '^src/console/' },
    },
    {
      name: 'opentelemetry-in-one-adapter',
      severity: 'error',
      comment: 'Only runtime/otel-tracer.ts imports the OpenTelemetry SDK, and only when export is configured.',
      from: { path: '^src/', pathNot: ['^src/runtime/otel-tracer\\.ts$', NOT_TEST] },
      to: { path: 'node_modules/@opentelemetry/' },
    },
    {
      name: 'no-test-code-in-product',
      severity: 'error',
      comment: 'Shipped code never imports test files or vitest (the store contract suites, *contract.ts, are tests: tsconfig.build.json leaves them out of dist/).',
      from: { path: '^src/', pathNot: [NOT_TEST, 'contract\\.ts$'] },
      to: { path: ['\\.test\\.ts$', '^test/', 'node_modules/vitest/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
