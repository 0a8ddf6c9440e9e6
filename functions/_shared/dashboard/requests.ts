/**
 * One call in detail, as the signed-in user may see it (row-level security on ai_interactions and
 * llm_requests): the redacted request and response through the decrypting view
 * (ai_interactions_decrypted, so where and how bodies are stored stays its concern), the ledger's
 * tokens, cost and the price it applied, and links to the chat session or feature row of the call.
 */
import type postgres from "postgres";

type Tx = postgres.TransactionSql;

/** Null when no such interaction exists in the account or the reader may not see it. */
export async function requestDetail(tx: Tx, accountId: string, id: string) {
  const [row] = await tx<{ item: Record<string, unknown> }[]>`
    select jsonb_build_object(
             'id', i.id, 'timestamp', i."timestamp", 'llm_request_id', i.llm_request_id, 'user_id', i.user_id,
             'status', i.status, 'model', i.model_name, 'provider', i.provider, 'latency_ms', i.latency_ms,
             'error', case when i.error_code is null and i.error_message is null then null
                           else jsonb_build_object('code', i.error_code, 'message', i.error_message) end,
             'request', i.request, 'response', i.response, 'properties', i.properties,
             'file_metadata', i.file_metadata, 'conversation_id', i.conversation_id, 'country', i.country,
             'ttft_ms', r.time_to_first_token_ms, 'is_stream', r.is_stream, 'http_status', r.http_status,
             'finish_reason', r.finish_reason, 'end_user', r.end_user, 'api_key_id', r.api_key_id,
             'agent_instance_id', r.agent_instance_id, 'agent_instance_slug', r.agent_instance_slug,
             'cache_hit', r.cache_hit, 'attempts', r.attempts,
             'tokens', jsonb_build_object('prompt', r.prompt_tokens, 'completion', r.completion_tokens,
                                          'total', r.total_tokens, 'cached', r.cached_tokens,
                                          'cache_creation', r.cache_creation_tokens,
                                          'reasoning', r.reasoning_tokens, 'source', r.usage_source),
             'cost_usd', trim_scale(r.computed_cost)::text,
             'provider_cost_usd', trim_scale(r.provider_cost)::text,
             'price', case when r.id is null or r.price_source is null or r.price_source = 'unknown' then null
                           else jsonb_build_object(
                             'input_per_mtok', trim_scale(r.unit_cost_prompt * 1000000)::text,
                             'output_per_mtok', trim_scale(r.unit_cost_completion * 1000000)::text,
                             'cached_per_mtok', trim_scale(r.unit_cost_cached * 1000000)::text,
                             'cache_creation_per_mtok', trim_scale(r.unit_cost_cache_creation * 1000000)::text,
                             'reasoning_per_mtok', trim_scale(r.unit_cost_reasoning * 1000000)::text,
                             'source', r.price_source) end,
             'links', jsonb_build_object(
               'session_id', r.session_id,
               'conversation_id', i.conversation_id,
               'feature', coalesce(
                 (select jsonb_build_object('kind', 'mentor', 'id', m.id) from public.ai_mentor_chats m
                   where m.llm_request_id = i.llm_request_id and m.account_id = i.account_id limit 1),
                 (select jsonb_build_object('kind', 'guru', 'id', g.id) from public.guru_interactions g
                   where g.llm_request_id = i.llm_request_id and g.org_id = i.account_id limit 1),
                 (select jsonb_build_object('kind', 'twin', 'id', t.id) from public.employee_twin_interactions t
                   where t.llm_request_id = i.llm_request_id and t.org_id = i.account_id limit 1),
                 case when r.session_id is not null then jsonb_build_object('kind', 'chat', 'id', r.session_id) end,
                 jsonb_build_object('kind', null, 'id', null)))
           ) as item
      from public.ai_interactions_decrypted i
      left join public.llm_requests r on r.id = i.llm_request_id and r.account_id = i.account_id
     where i.id = ${id}::uuid and i.account_id = ${accountId}::uuid`;
  return row?.item ?? null;
}
