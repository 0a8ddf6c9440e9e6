-- The interaction ledger: llm_requests (one row per proxied call, with tokens and exact cost),
-- ai_interactions (the generic AI call log), agent performance and usage logs, the price tables and
-- per-account gateway settings. Log and cost rows are written by the server only (service_role).
-- Money is numeric everywhere; a null cost means "unknown", never 0.

-- ---------------------------------------------------------------------------------------------------
-- model_prices: global prices keyed by model name, columns named like LiteLLM's
-- model_prices_and_context_window.json (loaded by a script, not by seed.sql).
-- ---------------------------------------------------------------------------------------------------
create table public.model_prices (
  model text primary key,
  litellm_provider text,
  input_cost_per_token numeric check (input_cost_per_token >= 0),
  output_cost_per_token numeric check (output_cost_per_token >= 0),
  cache_read_input_token_cost numeric check (cache_read_input_token_cost >= 0),
  cache_creation_input_token_cost numeric check (cache_creation_input_token_cost >= 0),
  cache_creation_input_token_cost_above_1hr numeric check (cache_creation_input_token_cost_above_1hr >= 0),
  output_cost_per_reasoning_token numeric check (output_cost_per_reasoning_token >= 0),
  tier_threshold_tokens integer check (tier_threshold_tokens > 0),
  input_cost_per_token_above_threshold numeric check (input_cost_per_token_above_threshold >= 0),
  output_cost_per_token_above_threshold numeric check (output_cost_per_token_above_threshold >= 0),
  cache_read_input_token_cost_above_threshold numeric check (cache_read_input_token_cost_above_threshold >= 0),
  cache_creation_input_token_cost_above_threshold numeric
    check (cache_creation_input_token_cost_above_threshold >= 0),
  cache_creation_input_token_cost_above_1hr_above_threshold numeric
    check (cache_creation_input_token_cost_above_1hr_above_threshold >= 0),
  input_cost_per_token_flex numeric check (input_cost_per_token_flex >= 0),
  output_cost_per_token_flex numeric check (output_cost_per_token_flex >= 0),
  cache_read_input_token_cost_flex numeric check (cache_read_input_token_cost_flex >= 0),
  input_cost_per_token_priority numeric check (input_cost_per_token_priority >= 0),
  output_cost_per_token_priority numeric check (output_cost_per_token_priority >= 0),
  cache_read_input_token_cost_priority numeric check (cache_read_input_token_cost_priority >= 0),
  input_cost_per_token_batches numeric check (input_cost_per_token_batches >= 0),
  output_cost_per_token_batches numeric check (output_cost_per_token_batches >= 0),
  deprecation_date date,
  max_input_tokens integer,
  max_output_tokens integer,
  updated_at timestamptz not null default now()
);
create trigger model_prices_set_updated_at before update on public.model_prices
  for each row execute function private.set_updated_at();

comment on table public.model_prices is 'Global model prices in USD per token, keyed by model name, with LiteLLM''s key names (model_prices_and_context_window.json). Server-written; readable by signed-in users.';
comment on column public.model_prices.model is 'Model name as callers send it (LiteLLM key), e.g. gpt-4o-mini or openrouter/openai/gpt-4o.';
comment on column public.model_prices.litellm_provider is 'LiteLLM provider name (openai, anthropic, openrouter, ...).';
comment on column public.model_prices.input_cost_per_token is 'USD per prompt (input) token.';
comment on column public.model_prices.output_cost_per_token is 'USD per completion (output) token.';
comment on column public.model_prices.cache_read_input_token_cost is 'USD per cached (cache read) input token.';
comment on column public.model_prices.cache_creation_input_token_cost is 'USD per cache-creation (cache write) input token.';
comment on column public.model_prices.output_cost_per_reasoning_token is 'USD per reasoning token (when priced differently from output).';
comment on column public.model_prices.cache_creation_input_token_cost_above_1hr is 'USD per cache-write token with the one-hour lifetime (Anthropic ttl 1h; the plain column is the 5-minute write).';
comment on column public.model_prices.tier_threshold_tokens is 'Long-context tier: above this many prompt tokens (cache reads and writes included) every token of the call is billed at the *_above_threshold prices (LiteLLM *_above_200k_tokens).';
comment on column public.model_prices.input_cost_per_token_above_threshold is 'USD per input token when the prompt exceeds tier_threshold_tokens.';
comment on column public.model_prices.output_cost_per_token_above_threshold is 'USD per output token when the prompt exceeds tier_threshold_tokens.';
comment on column public.model_prices.cache_read_input_token_cost_above_threshold is 'USD per cache-read token when the prompt exceeds tier_threshold_tokens.';
comment on column public.model_prices.cache_creation_input_token_cost_above_threshold is 'USD per 5-minute cache-write token when the prompt exceeds tier_threshold_tokens.';
comment on column public.model_prices.cache_creation_input_token_cost_above_1hr_above_threshold is 'USD per one-hour cache-write token when the prompt exceeds tier_threshold_tokens.';
comment on column public.model_prices.input_cost_per_token_flex is 'USD per input token in OpenAI''s flex service tier.';
comment on column public.model_prices.output_cost_per_token_flex is 'USD per output token in the flex service tier.';
comment on column public.model_prices.cache_read_input_token_cost_flex is 'USD per cached input token in the flex service tier.';
comment on column public.model_prices.input_cost_per_token_priority is 'USD per input token in OpenAI''s priority service tier.';
comment on column public.model_prices.output_cost_per_token_priority is 'USD per output token in the priority service tier.';
comment on column public.model_prices.cache_read_input_token_cost_priority is 'USD per cached input token in the priority service tier.';
comment on column public.model_prices.input_cost_per_token_batches is 'USD per input token through the Batch API (service tier batch).';
comment on column public.model_prices.output_cost_per_token_batches is 'USD per output token through the Batch API.';
comment on column public.model_prices.deprecation_date is 'Date the provider retires (or retired) the model; calls after it are expected to fail upstream.';
comment on column public.model_prices.max_input_tokens is 'Context window: maximum input tokens.';

-- ---------------------------------------------------------------------------------------------------
-- account_model_prices: per-account overrides (negotiated prices, private models)
-- ---------------------------------------------------------------------------------------------------
create table public.account_model_prices (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  model text not null,
  litellm_provider text,
  input_cost_per_token numeric check (input_cost_per_token >= 0),
  output_cost_per_token numeric check (output_cost_per_token >= 0),
  cache_read_input_token_cost numeric check (cache_read_input_token_cost >= 0),
  cache_creation_input_token_cost numeric check (cache_creation_input_token_cost >= 0),
  cache_creation_input_token_cost_above_1hr numeric check (cache_creation_input_token_cost_above_1hr >= 0),
  output_cost_per_reasoning_token numeric check (output_cost_per_reasoning_token >= 0),
  tier_threshold_tokens integer check (tier_threshold_tokens > 0),
  input_cost_per_token_above_threshold numeric check (input_cost_per_token_above_threshold >= 0),
  output_cost_per_token_above_threshold numeric check (output_cost_per_token_above_threshold >= 0),
  cache_read_input_token_cost_above_threshold numeric check (cache_read_input_token_cost_above_threshold >= 0),
  cache_creation_input_token_cost_above_threshold numeric
    check (cache_creation_input_token_cost_above_threshold >= 0),
  cache_creation_input_token_cost_above_1hr_above_threshold numeric
    check (cache_creation_input_token_cost_above_1hr_above_threshold >= 0),
  input_cost_per_token_flex numeric check (input_cost_per_token_flex >= 0),
  output_cost_per_token_flex numeric check (output_cost_per_token_flex >= 0),
  cache_read_input_token_cost_flex numeric check (cache_read_input_token_cost_flex >= 0),
  input_cost_per_token_priority numeric check (input_cost_per_token_priority >= 0),
  output_cost_per_token_priority numeric check (output_cost_per_token_priority >= 0),
  cache_read_input_token_cost_priority numeric check (cache_read_input_token_cost_priority >= 0),
  input_cost_per_token_batches numeric check (input_cost_per_token_batches >= 0),
  output_cost_per_token_batches numeric check (output_cost_per_token_batches >= 0),
  deprecation_date date,
  max_input_tokens integer,
  max_output_tokens integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint account_model_prices_account_model_key unique (account_id, model)
);
create trigger account_model_prices_set_updated_at before update on public.account_model_prices
  for each row execute function private.set_updated_at();

comment on table public.account_model_prices is 'Per-account price overrides (negotiated prices, private models); same columns as model_prices. Written by the operator only (service_role); members read them.';
comment on column public.account_model_prices.account_id is 'Account the override applies to.';
comment on column public.account_model_prices.model is 'Model name (as in model_prices.model); unique per account.';
comment on column public.account_model_prices.input_cost_per_token is 'USD per prompt (input) token.';
comment on column public.account_model_prices.output_cost_per_token is 'USD per completion (output) token.';
comment on column public.account_model_prices.cache_read_input_token_cost is 'USD per cached (cache read) input token.';
comment on column public.account_model_prices.cache_creation_input_token_cost is 'USD per cache-creation (cache write) input token.';
comment on column public.account_model_prices.output_cost_per_reasoning_token is 'USD per reasoning token.';
comment on column public.account_model_prices.cache_creation_input_token_cost_above_1hr is 'USD per cache-write token with the one-hour lifetime (Anthropic ttl 1h; the plain column is the 5-minute write).';
comment on column public.account_model_prices.tier_threshold_tokens is 'Long-context tier: above this many prompt tokens (cache reads and writes included) every token of the call is billed at the *_above_threshold prices (LiteLLM *_above_200k_tokens).';
comment on column public.account_model_prices.input_cost_per_token_above_threshold is 'USD per input token when the prompt exceeds tier_threshold_tokens.';
comment on column public.account_model_prices.output_cost_per_token_above_threshold is 'USD per output token when the prompt exceeds tier_threshold_tokens.';
comment on column public.account_model_prices.cache_read_input_token_cost_above_threshold is 'USD per cache-read token when the prompt exceeds tier_threshold_tokens.';
comment on column public.account_model_prices.cache_creation_input_token_cost_above_threshold is 'USD per 5-minute cache-write token when the prompt exceeds tier_threshold_tokens.';
comment on column public.account_model_prices.cache_creation_input_token_cost_above_1hr_above_threshold is 'USD per one-hour cache-write token when the prompt exceeds tier_threshold_tokens.';
comment on column public.account_model_prices.input_cost_per_token_flex is 'USD per input token in OpenAI''s flex service tier.';
comment on column public.account_model_prices.output_cost_per_token_flex is 'USD per output token in the flex service tier.';
comment on column public.account_model_prices.cache_read_input_token_cost_flex is 'USD per cached input token in the flex service tier.';
comment on column public.account_model_prices.input_cost_per_token_priority is 'USD per input token in OpenAI''s priority service tier.';
comment on column public.account_model_prices.output_cost_per_token_priority is 'USD per output token in the priority service tier.';
comment on column public.account_model_prices.cache_read_input_token_cost_priority is 'USD per cached input token in the priority service tier.';
comment on column public.account_model_prices.input_cost_per_token_batches is 'USD per input token through the Batch API (service tier batch).';
comment on column public.account_model_prices.output_cost_per_token_batches is 'USD per output token through the Batch API.';
comment on column public.account_model_prices.deprecation_date is 'Date the provider retires (or retired) the model; calls after it are expected to fail upstream.';
comment on column public.account_model_prices.max_input_tokens is 'Context window: maximum input tokens.';

-- ---------------------------------------------------------------------------------------------------
-- account_settings: one row per account (created with the account)
-- ---------------------------------------------------------------------------------------------------
create table public.account_settings (
  account_id uuid primary key references public.accounts (id) on delete cascade,
  log_request_bodies boolean not null default true,
  log_response_bodies boolean not null default true,
  max_request_bytes integer check (max_request_bytes > 0),
  drop_ip_after_geo boolean not null default false,
  retention_days integer check (retention_days > 0),
  encrypt_payloads boolean not null default false,
  max_retries smallint check (max_retries between 0 and 5),
  fallback_models text[] check (cardinality(fallback_models) <= 5),
  max_concurrent_calls integer check (max_concurrent_calls > 0),
  cache_ttl_seconds integer check (cache_ttl_seconds between 0 and 604800),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger account_settings_set_updated_at before update on public.account_settings
  for each row execute function private.set_updated_at();

comment on table public.account_settings is 'Per-account gateway settings (logging of bodies, request size limit). One row per account, created with it.';
comment on column public.account_settings.account_id is 'The account (primary key).';
comment on column public.account_settings.log_request_bodies is 'Store (redacted) request bodies (ai_interactions.request, read as llm_requests.request_body too).';
comment on column public.account_settings.log_response_bodies is 'Store (redacted) response bodies (ai_interactions.response, read as llm_requests.response_body too).';
comment on column public.account_settings.max_request_bytes is 'Largest accepted request body in bytes (null = the gateway default).';
comment on column public.account_settings.retention_days is
  'Days to keep llm_requests, ai_interactions, messages and feature payloads (null = forever); rollups are kept. '
  'Applied by private.run_log_maintenance().';
comment on column public.account_settings.encrypt_payloads is
  'Store request/response bodies of new ai_interactions rows encrypted (pgp_sym_encrypt, AES-256); '
  'history readers read them through ai_interactions_decrypted / llm_request_bodies / get_ai_interactions.';
comment on column public.account_settings.drop_ip_after_geo is
  'Store only the caller''s country: ip_address is cleared on llm_requests/ai_interactions once the country is '
  'derived.';
comment on column public.account_settings.max_retries is 'llm-proxy retries of an upstream call that failed with 429, 5xx or a connection error before any byte (null = 2); a request''s x-max-retries header overrides it.';
comment on column public.account_settings.fallback_models is 'Models llm-proxy tries in order when the requested one fails (after its retries) or the prompt exceeds its context window, unless the request names its own `fallbacks`.';
comment on column public.account_settings.max_concurrent_calls is 'Most upstream calls the account has in flight at once, per llm-proxy instance (null = the tier''s, tier_defaults). Set by the operator (service_role).';
comment on column public.account_settings.cache_ttl_seconds is 'llm-proxy answers every call of the account from its response cache for this many seconds (null or 0 = only calls with x-cache-ttl).';

create function private.create_account_settings() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  insert into public.account_settings (account_id) values (new.id) on conflict (account_id) do nothing;
  return null;
end
$$;
comment on function private.create_account_settings() is 'Trigger: gives every new account its account_settings row.';
revoke execute on function private.create_account_settings() from public, anon, authenticated;
create trigger accounts_create_settings after insert on public.accounts
  for each row execute function private.create_account_settings();
insert into public.account_settings (account_id) select id from public.accounts on conflict do nothing;

-- ---------------------------------------------------------------------------------------------------
-- llm_requests: one row per proxied LLM call. `id` is the request id the proxy returns as
-- x-request-id (the proxy generates it).
-- Partitioned by month of created_at (UTC), like ai_interactions by "timestamp": retention drops
-- whole months, and recent months stay small and hot. A partitioned table's unique keys must contain
-- the partition key, so the primary key is (id, created_at); ids are still random UUIDs, unique in
-- practice, and the ledger's idempotent insert targets (id, created_at) (a retry resends both).
-- Partitions live in schema `private` (not exposed; clients go through the parent and its RLS).
-- ---------------------------------------------------------------------------------------------------
create table public.llm_requests (
  id uuid not null default gen_random_uuid(),
  session_id uuid references public.sessions (id) on delete set null,
  account_id uuid not null references public.accounts (id) on delete cascade,
  agent_instance_id uuid references public.agent_instances (id) on delete set null,
  account_slug varchar not null,
  agent_instance_slug varchar,
  agent_type varchar check (agent_type in ('simple_chat', 'sales_agent', 'research', 'rag')),
  completion_status varchar not null check (completion_status in ('complete', 'partial', 'error')),
  provider varchar not null default 'openrouter',
  model varchar not null,
  -- request_body / response_body (the seed's columns) are derived from the call's ai_interactions row
  -- (public.request_body(llm_requests), below): each payload is stored once.
  prompt_tokens integer check (prompt_tokens >= 0),
  completion_tokens integer check (completion_tokens >= 0),
  total_tokens integer check (total_tokens >= 0),
  unit_cost_prompt numeric,
  unit_cost_completion numeric,
  computed_cost numeric,
  latency_ms integer check (latency_ms >= 0),
  created_at timestamptz not null default now(),
  -- Gateway columns, beyond the Salient chat data model: who called and how, and the call's full usage and cost
  user_id uuid references public.users (id) on delete set null,
  api_key_id uuid references public.api_keys (id) on delete set null,
  end_user text,
  conversation_id text,
  properties jsonb not null default '{}'::jsonb check (jsonb_typeof(properties) = 'object'),
  is_stream boolean,
  http_status integer,
  finish_reason text,
  error_code text,
  error_message text,
  time_to_first_token_ms integer check (time_to_first_token_ms >= 0),
  cached_tokens integer check (cached_tokens >= 0),
  cache_creation_tokens integer check (cache_creation_tokens >= 0),
  reasoning_tokens integer check (reasoning_tokens >= 0),
  usage_source text check (usage_source in ('provider', 'estimated')),
  unit_cost_cached numeric,
  unit_cost_cache_creation numeric,
  unit_cost_reasoning numeric,
  provider_cost numeric,
  price_source text check (price_source in ('model_prices', 'model_prices+rule', 'model_prices+estimate',
    'account_override', 'account_override+rule', 'account_override+estimate', 'unknown')),
  ip_address inet,
  cache_creation_1h_tokens integer check (cache_creation_1h_tokens >= 0),
  unit_cost_cache_creation_1h numeric,
  service_tier text,
  attempt_count smallint check (attempt_count >= 0),
  attempts jsonb check (jsonb_typeof(attempts) = 'array'),
  models_tried text[],
  cache_hit boolean not null default false,
  cost_saved numeric check (cost_saved >= 0),
  -- The billing figure: the provider's own report where it gives one (OpenRouter), else our price.
  billed_cost numeric generated always as (coalesce(provider_cost, computed_cost)) stored,
  cost_difference numeric generated always as (computed_cost - provider_cost) stored,
  country text check (country ~ '^[A-Z]{2}$'),
  -- An unknown price is recorded as unknown, never as a cost of 0.
  constraint llm_requests_unknown_price_has_no_cost
    check (price_source is distinct from 'unknown' or computed_cost is null),
  constraint llm_requests_pkey primary key (id, created_at)
) partition by range (created_at);
create index idx_llm_requests_session_created on public.llm_requests (session_id, created_at);
create index idx_llm_requests_agent_created on public.llm_requests (agent_instance_id, created_at);
create index idx_llm_requests_model_created on public.llm_requests (model, created_at);
-- Every index is maintained on every logged call; each one here serves a foreign key's cascade or a
-- documented read. Per-account reads by time (and by model, status or cost over a window) use the
-- covering (account_id, created_at) index of the analytics migration; analytics by model, feature,
-- status or error read the rollups; filtered interaction pages use ai_interactions' indexes. Hence no
-- (account_id, model, created_at), (account_id, completion_status, created_at) or GIN on properties.
create index idx_llm_requests_user_created on public.llm_requests (user_id, created_at);
create index idx_llm_requests_api_key_created on public.llm_requests (api_key_id, created_at);
create index idx_llm_requests_conversation on public.llm_requests (account_id, conversation_id) where conversation_id is not null;
create index idx_llm_requests_end_user on public.llm_requests (account_id, end_user) where end_user is not null;
-- The WHEN clause is evaluated by the executor: the proxy's ledger always supplies the slug, so its rows
-- never enter plpgsql here; any other writer that leaves it null still gets it filled.
create trigger llm_requests_fill_account_slug before insert on public.llm_requests
  for each row when (new.account_slug is null) execute function private.fill_account_slug();

comment on table public.llm_requests is 'LLM usage tracking for cost management and analytics with agent attribution: one row per call through the gateway, or reported to the ingest function (properties.source = ''ingest''). Written by the server only.';
comment on column public.llm_requests.id is 'Request id; the proxy returns it as x-request-id.';
comment on column public.llm_requests.session_id is 'Chat session the call belongs to (nullable).';
comment on column public.llm_requests.agent_instance_id is 'Which agent instance made this request (nullable).';
comment on column public.llm_requests.account_slug is 'Denormalized for performance (fast aggregation without joins).';
comment on column public.llm_requests.agent_instance_slug is 'Denormalized for performance (e.g. cost per instance).';
comment on column public.llm_requests.agent_type is 'Type of agent: simple_chat|sales_agent|research|rag (null for direct gateway calls).';
comment on column public.llm_requests.completion_status is 'Request outcome: complete|partial|error (partial = stream cut or aborted).';
comment on column public.llm_requests.provider is 'LLM service used (openrouter, openai, anthropic, or a custom OpenAI-compatible provider).';
comment on column public.llm_requests.prompt_tokens is 'Prompt (input) tokens.';
comment on column public.llm_requests.completion_tokens is 'Completion (output) tokens.';
comment on column public.llm_requests.unit_cost_prompt is 'USD per prompt token applied.';
comment on column public.llm_requests.unit_cost_completion is 'USD per completion token applied.';
comment on column public.llm_requests.computed_cost is 'Total cost in USD; null (never 0) when the model''s price is unknown.';
comment on column public.llm_requests.latency_ms is 'Total latency in milliseconds.';
comment on column public.llm_requests.created_at is 'When the request was received.';
comment on column public.llm_requests.user_id is 'Calling user (JWT callers); null for API-key callers.';
comment on column public.llm_requests.api_key_id is 'API key used (API-key callers).';
comment on column public.llm_requests.end_user is 'The OpenAI `user` field: the caller''s own end-user id.';
comment on column public.llm_requests.conversation_id is 'Session/conversation id from the request header, for grouping.';
comment on column public.llm_requests.properties is 'Custom properties (metadata header or body field) for analytics group-by; source = ''ingest'' marks calls reported to the ingest function.';
comment on column public.llm_requests.http_status is 'HTTP status returned to the client.';
comment on column public.llm_requests.finish_reason is 'Provider finish reason (stop, length, tool_calls, ...).';
comment on column public.llm_requests.error_code is 'Error code when the call failed or was cut.';
comment on column public.llm_requests.error_message is 'Error message when the call failed or was cut.';
comment on column public.llm_requests.time_to_first_token_ms is 'Time to first token in milliseconds (streams).';
comment on column public.llm_requests.cached_tokens is 'Prompt tokens read from the provider''s cache.';
comment on column public.llm_requests.cache_creation_tokens is 'Prompt tokens written to the provider''s cache.';
comment on column public.llm_requests.reasoning_tokens is 'Reasoning tokens (part of completion tokens).';
comment on column public.llm_requests.usage_source is 'Where the token counts came from: provider|estimated.';
comment on column public.llm_requests.unit_cost_cached is 'USD per cached input token applied.';
comment on column public.llm_requests.unit_cost_cache_creation is 'USD per cache-creation token applied.';
comment on column public.llm_requests.unit_cost_reasoning is 'USD per reasoning token applied.';
comment on column public.llm_requests.provider_cost is 'Cost reported by the provider (e.g. OpenRouter usage.cost), USD.';
comment on column public.llm_requests.price_source is 'Which price applied: model_prices|account_override|unknown; suffix +rule when a price the entry lacks (a cache price) came from the provider''s published rule, +estimate when it was stood in for (the input price for a cache price, the standard price for a service tier), so such costs are visible.';
comment on column public.llm_requests.cache_creation_1h_tokens is 'Of cache_creation_tokens, those written with the one-hour lifetime (priced higher).';
comment on column public.llm_requests.unit_cost_cache_creation_1h is 'USD per one-hour cache-write token applied.';
comment on column public.llm_requests.service_tier is 'Service tier the provider reported running the call in (OpenAI: default, flex, priority, ...).';
comment on column public.llm_requests.billed_cost is 'The billing figure: provider_cost where the provider reports one (OpenRouter), else computed_cost.';
comment on column public.llm_requests.cost_difference is 'computed_cost - provider_cost (USD): how far our price is from the provider''s report; see llm_cost_discrepancies.';
comment on column public.llm_requests.ip_address is
  'IP address of the caller (null when the account drops it once the country is known).';
comment on column public.llm_requests.country is
  'ISO 3166-1 alpha-2 country of the caller: the platform''s geo header, else looked up from ip_address.';
comment on column public.llm_requests.attempt_count is 'Upstream attempts made (retries and fallbacks included); 0 when the call was refused before any.';
comment on column public.llm_requests.attempts is 'Each upstream attempt in order: {model, provider, status (HTTP status or null for a connection error), error, ms}.';
comment on column public.llm_requests.cache_hit is 'Answered from the gateway''s response cache (no provider call; tokens and cost 0).';
comment on column public.llm_requests.cost_saved is 'For a cache hit: the computed cost of the call whose answer was replayed (USD; null when unknown).';
comment on column public.llm_requests.models_tried is 'Models tried in order when fallbacks were used (the last answered); null without fallbacks.';

-- ---------------------------------------------------------------------------------------------------
-- ai_interactions: the generic AI call log (the AI interactions specification), with the tenant and
-- a link to llm_requests.
-- ---------------------------------------------------------------------------------------------------
create table public.ai_interactions (
  id uuid not null default gen_random_uuid(),
  "timestamp" timestamptz not null default now(),
  request jsonb not null,
  response jsonb,
  latency_ms integer,
  error_code text,
  error_message text,
  model_name text,
  user_id uuid references public.users (id) on delete set null,
  file_metadata jsonb,
  status text not null default 'success' check (status in ('success', 'error', 'partial')),
  prompt_hash text,
  ip_address inet,
  account_id uuid not null references public.accounts (id) on delete cascade,
  -- No foreign key: llm_requests' key is (id, created_at) and both tables drop whole partitions
  -- (a key referencing a partitioned table blocks that). The ledger writes both rows in one
  -- statement, and retention removes both by the same cutoff.
  llm_request_id uuid,
  -- Query columns: what get_ai_interactions filters on, without a join to llm_requests.
  provider text,
  conversation_id text,
  properties jsonb not null default '{}'::jsonb check (jsonb_typeof(properties) = 'object'),
  country text check (country ~ '^[A-Z]{2}$'),
  constraint ai_interactions_pkey primary key (id, "timestamp")
) partition by range ("timestamp");
create index idx_ai_interactions_user_id on public.ai_interactions (user_id);
create index idx_ai_interactions_timestamp on public.ai_interactions ("timestamp" desc);
-- The keyset order of public.get_ai_interactions (newest first, id breaks ties), one index per filter
-- it documents: each filter is an equality after account_id, so the scan reads rows in page order and
-- stops after `limit` visible ones. from/to and min_latency_ms ride on the first (range/filter).
-- The keys ascend and the pages are read by a backward scan: rows arrive in time order, so an
-- ascending index fills its rightmost leaf and splits it at 90%, where a descending one would insert
-- on the left of each leaf and split it in halves (twice the pages, measured by the logging bench).
create index idx_ai_interactions_account_timestamp on public.ai_interactions (account_id, "timestamp", id);
create index idx_ai_interactions_account_user_ts on public.ai_interactions (account_id, user_id, "timestamp", id);
-- Status and feature pages are partial: a success is most calls, so a page of them is the newest rows
-- of the account (the first index, filtered), and calls without a feature are never asked for by it.
create index idx_ai_interactions_account_status_ts
  on public.ai_interactions (account_id, status, "timestamp", id) where status <> 'success';
create index idx_ai_interactions_account_model_ts
  on public.ai_interactions (account_id, model_name, "timestamp", id);
create index idx_ai_interactions_account_provider_ts
  on public.ai_interactions (account_id, provider, "timestamp", id);
create index idx_ai_interactions_account_feature_ts
  on public.ai_interactions (account_id, (properties ->> 'feature'), "timestamp", id)
  where (properties ->> 'feature') is not null;
create index idx_ai_interactions_account_conversation_ts
  on public.ai_interactions (account_id, conversation_id, "timestamp", id) where conversation_id is not null;
create index idx_ai_interactions_llm_request on public.ai_interactions (llm_request_id);
-- No index on prompt_hash: no read filters on it (the response cache keys on its own hash), and a
-- 64-character key would cost every hashed call ~100 bytes of index.

comment on table public.ai_interactions is 'Generic log of AI model interactions: request/response payloads (redacted), performance, errors, user context and file metadata. Written by the server only.';
comment on column public.ai_interactions."timestamp" is 'When the request was made.';
comment on column public.ai_interactions.request is
  'Full request payload sent to the AI model (PII redacted); {"omitted": true} when the account does not log request '
  'bodies. The only copy: llm_requests.request_body reads it.';
comment on column public.ai_interactions.response is
  'Full response payload from the AI model (if successful); null when the account does not log response bodies. The '
  'only copy: llm_requests.response_body reads it.';
comment on column public.ai_interactions.latency_ms is 'Time taken for the AI call in milliseconds.';
comment on column public.ai_interactions.model_name is 'Name of the AI model used (e.g. gpt-4, claude-3).';
comment on column public.ai_interactions.user_id is 'ID of the user who initiated the request.';
comment on column public.ai_interactions.file_metadata is 'Metadata about any files sent with the request (never their bytes).';
comment on column public.ai_interactions.status is 'Status of the interaction: success|error (|partial: a stream cut or aborted midway).';
comment on column public.ai_interactions.prompt_hash is 'Hash of the prompt (SHA-256 of the normalized messages) for deduplication/analytics.';
comment on column public.ai_interactions.account_id is 'Account the interaction belongs to (tenant).';
comment on column public.ai_interactions.llm_request_id is
  'The llm_requests row (id) of the same call (proxied or ingested). Not a foreign key (both tables are '
  'partitioned).';
comment on column public.ai_interactions.provider is
  'Provider the call went to (openrouter, openai, anthropic, ...), as on llm_requests.';
comment on column public.ai_interactions.conversation_id is
  'Conversation/session id the caller grouped the call under (as on llm_requests).';
comment on column public.ai_interactions.country is 'ISO 3166-1 alpha-2 country of the caller (as on llm_requests).';
comment on column public.ai_interactions.properties is
  'Custom properties for filtering and analytics; properties->>''feature'' is the feature filter.';

-- ---------------------------------------------------------------------------------------------------
-- agent_performance_metrics and agent_usage_log
-- ---------------------------------------------------------------------------------------------------
create table public.agent_performance_metrics (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  agent_instance_id uuid references public.agent_instances (id) on delete set null,
  response_time_ms numeric check (response_time_ms >= 0),
  request_type varchar not null check (request_type in ('chat', 'stream', 'tool_call')),
  status varchar not null check (status in ('success', 'error', 'timeout')),
  created_at timestamptz not null default now()
);
create index idx_perf_metrics_account_created on public.agent_performance_metrics (account_id, created_at);
create index idx_perf_metrics_agent_created on public.agent_performance_metrics (agent_instance_id, created_at);
create index idx_perf_metrics_status_created on public.agent_performance_metrics (status, created_at);

comment on table public.agent_performance_metrics is 'Real-time performance tracking for agent instances across accounts. Written by the server only.';
comment on column public.agent_performance_metrics.agent_instance_id is 'Agent instance measured.';
comment on column public.agent_performance_metrics.request_type is 'Request type: chat|stream|tool_call.';
comment on column public.agent_performance_metrics.status is 'Outcome: success|error|timeout.';

create table public.agent_usage_log (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  agent_instance_id uuid references public.agent_instances (id) on delete set null,
  session_id uuid references public.sessions (id) on delete set null,
  request_count integer not null default 1 check (request_count >= 0),
  total_tokens integer not null default 0 check (total_tokens >= 0),
  total_cost numeric check (total_cost >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index idx_usage_log_account_created on public.agent_usage_log (account_id, created_at);
create index idx_usage_log_agent_created on public.agent_usage_log (agent_instance_id, created_at);
create index idx_usage_log_session_created on public.agent_usage_log (session_id, created_at);
-- One row per (session, instance), accumulated by the ledger's batch upsert (functions/_shared/ledger/writer.ts)
-- instead of a row per request. NULLs stay distinct, so rows whose session or instance was deleted
-- (set null) never collide.
create unique index idx_usage_log_session_instance on public.agent_usage_log (session_id, agent_instance_id);

comment on table public.agent_usage_log is 'Aggregated usage tracking for billing and resource management. Written by the server only.';
comment on column public.agent_usage_log.agent_instance_id is 'Agent instance the usage is for.';
comment on column public.agent_usage_log.session_id is 'Session that generated the usage (nullable).';
comment on column public.agent_usage_log.request_count is 'Number of requests in this log entry.';
comment on column public.agent_usage_log.total_cost is 'Total cost for this usage, USD (null = unknown).';
comment on column public.agent_usage_log.updated_at is 'When the last request was accumulated into this row (created_at: the first).';

-- ---------------------------------------------------------------------------------------------------
-- RLS and grants
-- ---------------------------------------------------------------------------------------------------
alter table public.model_prices enable row level security;
alter table public.account_model_prices enable row level security;
alter table public.account_settings enable row level security;
alter table public.llm_requests enable row level security;
alter table public.ai_interactions enable row level security;
alter table public.agent_performance_metrics enable row level security;
alter table public.agent_usage_log enable row level security;

revoke all on public.model_prices, public.account_model_prices, public.account_settings, public.llm_requests,
  public.ai_interactions, public.agent_performance_metrics, public.agent_usage_log from anon, authenticated;
grant all on public.model_prices, public.account_model_prices, public.account_settings, public.llm_requests,
  public.ai_interactions, public.agent_performance_metrics, public.agent_usage_log to service_role;

-- model_prices: global catalog.
grant select on public.model_prices to authenticated;
create policy "model_prices: signed-in users read" on public.model_prices for select to authenticated
  using (true);

-- account_model_prices: members read. Overrides change what the ledger records as an account's cost
-- (a zero price zeroes its bill), so only the operator (service_role) writes them.
grant select on public.account_model_prices to authenticated;
create policy "account_model_prices: members read" on public.account_model_prices for select to authenticated
  using (account_id in (select private.member_accounts()));

-- account_settings: members read; manage_instances changes (the row is created with the account).
grant select on public.account_settings to authenticated;
grant update (log_request_bodies, log_response_bodies, max_request_bytes, drop_ip_after_geo, retention_days,
  encrypt_payloads, max_retries, fallback_models, cache_ttl_seconds)
  on public.account_settings to authenticated;
create policy "account_settings: members read" on public.account_settings for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "account_settings: instance managers change" on public.account_settings for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));

-- Log tables: read-only for clients. view_history reads the account's rows; a user reads their own.
-- The two partitioned tables test membership with `= any (array(select …))`: an init plan, run once
-- per query, where `in (select …)` is a hashed subplan run again for every partition the scan touches.
grant select on public.llm_requests, public.ai_interactions, public.agent_performance_metrics, public.agent_usage_log
  to authenticated;
create policy "llm_requests: history readers and the caller read" on public.llm_requests for select to authenticated
  using (
    account_id = any (array(select private.accounts_with_permission('view_history')))
    or (user_id = (select auth.uid()) and account_id = any (array(select private.member_accounts())))
  );
-- llm_cost_discrepancies: calls whose computed cost differs from the provider's own report (OpenRouter
-- usage.cost) by more than a tolerance: a stale or missing price, a tier we do not model, or a fee.
create view public.llm_cost_discrepancies with (security_invoker = true) as
  select id, created_at, account_id, provider, model, service_tier, prompt_tokens, completion_tokens,
         cached_tokens, cache_creation_tokens, computed_cost, provider_cost, cost_difference, price_source
    from public.llm_requests
   where abs(cost_difference) > greatest(0.000001, 0.01 * provider_cost);
comment on view public.llm_cost_discrepancies is 'Calls whose computed_cost differs from provider_cost by more than 1% (and more than USD 0.000001); security_invoker, so llm_requests'' RLS applies. Filter by account_id and created_at.';
revoke all on public.llm_cost_discrepancies from anon, authenticated;
grant select on public.llm_cost_discrepancies to authenticated;
grant all on public.llm_cost_discrepancies to service_role;
create policy "ai_interactions: history readers and the caller read" on public.ai_interactions for select to authenticated
  using (
    account_id = any (array(select private.accounts_with_permission('view_history')))
    or (user_id = (select auth.uid()) and account_id = any (array(select private.member_accounts())))
  );
-- llm_requests.request_body / response_body: the seed's columns, stored once, in the call's
-- ai_interactions row (request / response), and read from there. These are PostgREST computed
-- fields: supabase-js selects them by name (`.select("id, request_body")`), SQL reads them as
-- `r.request_body` (attribute notation); `select *` does not include them. Security invoker: the
-- ai_interactions policy is the llm_requests one, so whoever reads the call reads its bodies. Values
-- are as stored (an envelope for an encrypting account; llm_request_bodies decrypts).
create function public.request_body(public.llm_requests) returns jsonb
  language sql
  stable
  security invoker
  set search_path = ''
as $$
  select nullif(i.request, '{"omitted": true}'::jsonb) from public.ai_interactions i where i.llm_request_id = $1.id
   limit 1
$$;
comment on function public.request_body(public.llm_requests) is
  'Computed column llm_requests.request_body: the redacted request payload of the call (its ai_interactions.request), '
  'null when the account does not log request bodies.';
create function public.response_body(public.llm_requests) returns jsonb
  language sql
  stable
  security invoker
  set search_path = ''
as $$
  select i.response from public.ai_interactions i where i.llm_request_id = $1.id limit 1
$$;
comment on function public.response_body(public.llm_requests) is
  'Computed column llm_requests.response_body: the redacted response payload of the call (its '
  'ai_interactions.response), null when the account does not log response bodies.';
revoke execute on function public.request_body(public.llm_requests), public.response_body(public.llm_requests)
  from public, anon;
grant execute on function public.request_body(public.llm_requests), public.response_body(public.llm_requests)
  to authenticated, service_role;
create policy "agent_performance_metrics: history readers read" on public.agent_performance_metrics for select to authenticated
  using (account_id in (select private.accounts_with_permission('view_history')));
create policy "agent_usage_log: history readers read" on public.agent_usage_log for select to authenticated
  using (account_id in (select private.accounts_with_permission('view_history')));

-- ---------------------------------------------------------------------------------------------------
-- Monthly partitions of llm_requests (created_at) and ai_interactions ("timestamp"), in schema
-- private: `<table>_YYYY_MM` for each UTC month plus `<table>_default` for anything without one (a
-- back-dated ingest, a clock far off), so an insert never fails for want of a partition.
-- private.ensure_log_partitions() creates this month to `months_ahead` months ahead, and a month for
-- rows sitting in a default partition (moved out of it before the month is attached). A month that
-- has ended is never created ahead again, so retention's drop of an empty past month sticks. It
-- runs here and in private.run_log_maintenance() (pg_cron / `npm start`).
-- ---------------------------------------------------------------------------------------------------
create function private.create_log_partition(parent text, month date) returns boolean
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  col text := case parent when 'llm_requests' then 'created_at' when 'ai_interactions' then 'timestamp' end;
  name text := parent || '_' || to_char(month, 'YYYY_MM');
  lo timestamptz := date_trunc('month', month)::timestamp at time zone 'UTC';
  hi timestamptz := (date_trunc('month', month) + interval '1 month')::timestamp at time zone 'UTC';
  waiting boolean;
  -- Stored generated columns (billed_cost, cost_difference) are computed again on insert, never copied.
  cols text := (select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
                  from pg_catalog.pg_attribute a
                 where a.attrelid = format('public.%I', parent)::regclass and a.attnum > 0 and not a.attisdropped
                   and a.attgenerated = '');
begin
  if col is null then
    raise exception 'not a partitioned log table: %', parent using errcode = '22023';
  end if;
  if to_regclass(format('private.%I', name)) is not null then
    return false;
  end if;
  execute format('select exists (select 1 from private.%I where %I >= $1 and %I < $2)', parent || '_default', col, col)
    into waiting using lo, hi;
  if waiting then
    -- A new partition may not overlap rows in the default one: build it beside the table, move the
    -- month's rows into it, then attach it.
    execute format('create table private.%I (like public.%I including defaults including constraints including generated)',
                   name, parent);
    execute format('with moved as (delete from private.%I where %I >= $1 and %I < $2 returning *) '
                   'insert into private.%I (%s) select %s from moved', parent || '_default', col, col, name, cols, cols)
      using lo, hi;
    execute format('alter table public.%I attach partition private.%I for values from (%L) to (%L)',
                   parent, name, lo, hi);
  else
    execute format('create table private.%I partition of public.%I for values from (%L) to (%L)', name, parent, lo, hi);
  end if;
  -- Reached only through the parent (whose RLS applies); direct access is for the owner alone.
  execute format('alter table private.%I enable row level security', name);
  execute format('revoke all on private.%I from public, anon, authenticated', name);
  return true;
end
$$;
comment on function private.create_log_partition(text, date) is
  'Creates the month''s partition of llm_requests or ai_interactions (moving that month''s rows out of the default '
  'partition first). Returns whether it created one.';
revoke execute on function private.create_log_partition(text, date) from public, anon, authenticated;

create function private.ensure_log_partitions(months_ahead integer default 3) returns integer
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  parent text;
  col text;
  month date;
  created integer := 0;
  this_month date := date_trunc('month', now() at time zone 'UTC')::date;
begin
  foreach parent in array array['llm_requests', 'ai_interactions'] loop
    col := case parent when 'llm_requests' then 'created_at' else 'timestamp' end;
    if to_regclass(format('private.%I', parent || '_default')) is null then
      execute format('create table private.%I partition of public.%I default', parent || '_default', parent);
      execute format('alter table private.%I enable row level security', parent || '_default');
      execute format('revoke all on private.%I from public, anon, authenticated', parent || '_default');
    end if;
    for month in
      execute format('select generate_series($1::timestamp, $1 + make_interval(months => $2), ''1 month'')::date
                      union
                      select distinct date_trunc(''month'', %I at time zone ''UTC'')::date from private.%I',
                     col, parent || '_default')
        using this_month, months_ahead
    loop
      if private.create_log_partition(parent, month) then
        created := created + 1;
      end if;
    end loop;
  end loop;
  return created;
end
$$;
comment on function private.ensure_log_partitions(integer) is
  'Creates missing monthly partitions of llm_requests and ai_interactions: this month to months_ahead ahead, and every '
  'month with rows in a default partition. Returns how many it created.';
revoke execute on function private.ensure_log_partitions(integer) from public, anon, authenticated;

select private.ensure_log_partitions();
