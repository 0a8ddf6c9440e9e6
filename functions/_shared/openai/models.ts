/**
 * `GET /v1/models` and `GET /v1/models/{id}`: the priced models, each under the id that routes
 * to it as written (see providers/routing.ts). Price-table keys are LiteLLM's (`gpt-4o-mini` for
 * OpenAI, `openrouter/openai/gpt-4o-mini` for OpenRouter), which the router would send to the
 * default provider unchanged; here they become `openai:gpt-4o-mini` and `openai/gpt-4o-mini`.
 * Models of providers this gateway does not serve, or has no key for, are left out.
 * Clients that send `anthropic-version` get Anthropic's list shape.
 */
import type { Sql } from "../runtime/db.ts";
import { envSnapshot } from "../runtime/env.ts";
import { notFound } from "../http/errors.ts";
import { listModels, type ModelListing } from "../billing/price-lookup.ts";
import { type ProviderName, resolveProvider } from "../providers/index.ts";

const ROUTED: ReadonlySet<string> = new Set<ProviderName>(["openrouter", "openai", "anthropic", "compat"]);

/** The id that routes a price-table entry to its provider, or null when none does. */
export function routableModelId(key: string, provider: string, defaultProvider: string): string | null {
  if (!ROUTED.has(provider)) return null;
  const bare = key.startsWith(`${provider}/`) ? key.slice(provider.length + 1) : key;
  return provider === defaultProvider ? bare : `${provider}:${bare}`;
}

/** The routable models, in OpenAI's `model` shape. */
export async function routableModels(sql: Sql): Promise<ModelListing[]> {
  const env = envSnapshot();
  const defaultProvider = env.LLM_DEFAULT_PROVIDER && ROUTED.has(env.LLM_DEFAULT_PROVIDER)
    ? env.LLM_DEFAULT_PROVIDER
    : "openrouter";
  const out: ModelListing[] = [];
  for (const m of await listModels(sql)) {
    const id = routableModelId(m.id, m.owned_by, defaultProvider);
    if (id && resolveProvider(id, env).ok) out.push({ ...m, id });
  }
  return out;
}

export async function findModel(sql: Sql, id: string): Promise<ModelListing> {
  const found = (await routableModels(sql)).find((m) => m.id === id);
  if (!found) throw notFound(`The model '${id}' does not exist on this gateway`, "model_not_found", "model");
  return found;
}

/** A model in Anthropic's shape (`GET /v1/models` with `anthropic-version`). */
export function anthropicModel(m: ModelListing): Record<string, unknown> {
  return { type: "model", id: m.id, display_name: m.id, created_at: new Date(m.created * 1000).toISOString() };
}

export function anthropicModelList(models: ModelListing[]): Record<string, unknown> {
  return {
    data: models.map(anthropicModel),
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models.at(-1)?.id ?? null,
  };
}
