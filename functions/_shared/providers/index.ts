export * from "./types.ts";
export { PROVIDER_ROUTES, type ProviderRoute, type ResolvedProvider, resolveProvider, splitModel } from "./routing.ts";
export {
  buildOpenAIRequest,
  normalizeOpenAIResponse,
  openAICompatibleAdapter,
  withoutUsageCost,
} from "./openai-compatible.ts";
export {
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  ANTHROPIC_VERSION,
  anthropicAdapter,
  fromAnthropicResponse,
  toAnthropicRequest,
} from "./anthropic.ts";
export { anthropicUsageToOpenAI, mapStopReason } from "./anthropic-mapping.ts";
export { anthropicToOpenAIStream } from "./anthropic-stream.ts";
export { mapUpstreamError, parseUpstreamErrorBody, type UpstreamErrorInfo } from "./upstream-error.ts";
