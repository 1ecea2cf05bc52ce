/** The MCP proxy (DESIGN §4): gates every tools/call, passes everything else through. */
export { createProxySession } from './proxy.js';
export type { ProxyOptions, ProxySession } from './proxy.js';
export { ScreenedStdioTransport } from './stdio-transport.js';
export { listenHttp } from './http-listener.js';
export type { HttpListener, HttpListenOptions } from './http-listener.js';
export { screenMessage, screenLine } from './screen.js';
export { buildToolRequest, annotationHints, commandOf, toolDefinitionHash } from './tool-request.js';
export type { CommandArgRule, KnownTool, ToolAnnotationHints } from './tool-request.js';
export { openUpstream, defaultServerName, upstreamEnv } from './upstream.js';
export type { UpstreamSpec } from './upstream.js';
export { parseProxyConfig, proxyConfigSchema } from './config.js';
export type { ProxyConfig, ProxyServerConfig } from './config.js';
export { DECISION_META_KEY } from './messages.js';
