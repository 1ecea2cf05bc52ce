/** Coding-agent hooks (DESIGN §4): Claude Code, Codex, Gemini CLI, Cursor and a generic shape. */
export { adapters, HookInputError } from './adapters.js';
export type { Adapter, AgentName, HookEvent, HookOutput, ParsedHook, Verdict } from './adapters.js';
export { adapterFor, handleClaudeCodeHook, runHook, verdictOf } from './handle.js';
export { createStoreCorrelation } from './store-correlation.js';
export type { CorrelationStore, HookOptions, PreDecision } from './handle.js';
export { mapToolCall, parseMcpToolName } from './map.js';
export type { MapOptions, Mapped, ToolCall } from './map.js';
export { normalizePath } from './paths.js';
export { joinArgv } from './argv.js';
export { patchTargets } from './patch.js';
export { installClaudeCodeHook } from './install.js';
export type { InstallOptions, InstallResult } from './install.js';
export { createFileCorrelation } from './correlation.js';
