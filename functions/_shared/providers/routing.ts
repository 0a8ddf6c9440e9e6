/**
 * How a model name picks a provider.
 *
 * Rule: a model written `<provider>:<model>` with <provider> one of `openrouter`, `openai`,
 * `anthropic`, `compat` goes to that provider, which receives `<model>` (our prefix stripped).
 * Any other model name goes, exactly as written, to the default provider: OpenRouter, unless
 * the env var LLM_DEFAULT_PROVIDER names another one.
 *
 * Why a colon and not `openai/...`: OpenRouter's own model ids are `<vendor>/<model>`
 * (`openai/gpt-4o`, `anthropic/claude-sonnet-4`, `meta-llama/llama-3.1-8b-instruct`), so a
 * slash prefix would be ambiguous: `openai/gpt-4o` would mean "OpenAI directly" to us and
 * "OpenAI via OpenRouter" to every OpenRouter client. With the colon, OpenRouter ids pass
 * through untouched, and a routing prefix is only recognised when the text before the first
 * colon is exactly a provider name, so OpenRouter variants (`...-instruct:free`) and Ollama
 * tags (`compat:llama3:8b` -> `llama3:8b`) are never misread.
 */
import { notFound, type Result } from "../http/errors.ts";
import { anthropicAdapter } from "./anthropic.ts";
import { openAICompatibleAdapter } from "./openai-compatible.ts";
import type { ProviderAdapter, ProviderEnv, ProviderName, ProviderTarget } from "./types.ts";

export interface ProviderRoute {
  provider: ProviderName;
  baseUrlEnv: string;
  defaultBaseUrl: string | null;
  apiKeyEnv: string;
  apiKeyRequired: boolean;
}

/**
 * Providers and their env configuration. OpenAI-format base
 * URLs include the version path (`…/v1`, `/chat/completions` is appended); Anthropic's is the
 * host (`/v1/messages` is appended), as in each vendor's SDK.
 */
export const PROVIDER_ROUTES: readonly ProviderRoute[] = Object.freeze([
  {
    provider: "openrouter",
    baseUrlEnv: "OPENROUTER_BASE_URL",
    defaultBaseUrl: "https://openrouter.ai/api/v1",
    apiKeyEnv: "OPENROUTER_API_KEY",
    apiKeyRequired: true,
  },
  {
    provider: "openai",
    baseUrlEnv: "OPENAI_BASE_URL",
    defaultBaseUrl: "https://api.openai.com/v1",
    apiKeyEnv: "OPENAI_API_KEY",
    apiKeyRequired: true,
  },
  {
    provider: "anthropic",
    baseUrlEnv: "ANTHROPIC_BASE_URL",
    defaultBaseUrl: "https://api.anthropic.com",
    apiKeyEnv: "ANTHROPIC_API_KEY",
    apiKeyRequired: true,
  },
  {
    provider: "compat",
    baseUrlEnv: "OPENAI_COMPAT_BASE_URL",
    defaultBaseUrl: null,
    apiKeyEnv: "OPENAI_COMPAT_API_KEY",
    apiKeyRequired: false,
  },
]);

const ROUTES = new Map(PROVIDER_ROUTES.map((r) => [r.provider, r]));
const ADAPTERS: Record<ProviderName, ProviderAdapter> = {
  openrouter: openAICompatibleAdapter("openrouter"),
  openai: openAICompatibleAdapter("openai"),
  compat: openAICompatibleAdapter("compat"),
  anthropic: anthropicAdapter,
};
const PREFIX = /^([a-z]+):(.+)$/s;

/** Splits a routing prefix off a model name; the default provider when there is none. */
export function splitModel(
  model: string,
  defaultProvider: ProviderName = "openrouter",
): { provider: ProviderName; model: string } {
  const m = PREFIX.exec(model);
  if (m && ROUTES.has(m[1] as ProviderName)) return { provider: m[1] as ProviderName, model: m[2] };
  return { provider: defaultProvider, model };
}

export type ResolvedProvider = Result<{ target: ProviderTarget; adapter: ProviderAdapter }>;

/** Resolves a client's model name to a provider, upstream model, base URL and key (see the rule above). */
export function resolveProvider(model: string, env: ProviderEnv): ResolvedProvider {
  const configuredDefault = env.LLM_DEFAULT_PROVIDER as ProviderName | undefined;
  const defaultProvider = configuredDefault && ROUTES.has(configuredDefault) ? configuredDefault : "openrouter";
  const { provider, model: upstreamModel } = splitModel(model, defaultProvider);
  const route = ROUTES.get(provider)!;
  const baseUrl = (env[route.baseUrlEnv] || route.defaultBaseUrl)?.replace(/\/+$/, "");
  const apiKey = env[route.apiKeyEnv] || null;
  if (!baseUrl || (route.apiKeyRequired && !apiKey)) {
    return {
      ok: false,
      error: notFound(
        `Model '${model}' routes to provider '${provider}', which is not configured on this gateway`,
        "model_not_found",
        "model",
      ),
    };
  }
  return {
    ok: true,
    value: {
      target: { provider, requestedModel: model, model: upstreamModel, baseUrl, apiKey },
      adapter: ADAPTERS[provider],
    },
  };
}
