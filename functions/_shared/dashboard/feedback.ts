/**
 * Feedback and review: the mentor's ratings and A/B variants, guru and twin effectiveness (the
 * feature views, security invoker), the review queue of flagged and escalated mentor chats, and their
 * resolution through public.resolve_mentor_chat, all as the signed-in user, so row-level security and
 * the RPC's own permission check (review_ai_chats) decide.
 */
import type postgres from "postgres";
import { badRequest, forbidden, notFound } from "../http/errors.ts";
import type { Range } from "./params.ts";

type Tx = postgres.TransactionSql;

export async function feedback(tx: Tx, accountId: string, range: Range) {
  const [ratings] = await tx<{ count: string; average: string | null; distribution: Record<string, number> }[]>`
    select count(c.student_rating) as count, round(avg(c.student_rating), 2)::text as average,
           jsonb_build_object('1', count(*) filter (where c.student_rating = 1),
                              '2', count(*) filter (where c.student_rating = 2),
                              '3', count(*) filter (where c.student_rating = 3),
                              '4', count(*) filter (where c.student_rating = 4),
                              '5', count(*) filter (where c.student_rating = 5)) as distribution
      from public.ai_mentor_chats c
     where c.account_id = ${accountId}::uuid and c.created_at >= ${range.from} and c.created_at < ${range.to}`;
  const variants = await tx`
    select prompt_variant_id, variant_name, chats, avg_rating::text, rated_share::float8, helpful_share::float8,
           escalation_rate::float8, trim_scale(total_cost_usd)::text as total_cost_usd, unpriced_chats,
           p50_latency_ms::float8, p95_latency_ms::float8
      from public.mentor_variant_stats where account_id = ${accountId}::uuid
     order by chats desc`;
  const guru = await tx`
    select agent_type, interactions, rated, helpful_share::float8, trim_scale(total_cost_usd)::text as total_cost_usd,
           unpriced_interactions, avg_latency_ms, p95_latency_ms::float8
      from public.guru_effectiveness where org_id = ${accountId}::uuid
     order by interactions desc`;
  const twin = await tx`
    select twin_role, interaction_type, interactions, helpful_share::float8, dismissed_share::float8,
           trim_scale(total_cost_usd)::text as total_cost_usd, unpriced_interactions
      from public.twin_interaction_stats where org_id = ${accountId}::uuid
     order by interactions desc`;
  return {
    mentor: {
      ratings: {
        count: Number(ratings.count),
        average: ratings.average === null ? null : Number(ratings.average),
        distribution: ratings.distribution,
      },
      variants: [...variants],
    },
    guru: [...guru],
    twin: [...twin],
  };
}

/** Whether the reader may resolve chats in the account (their role grants review_ai_chats). */
async function canResolve(tx: Tx, accountId: string): Promise<boolean> {
  const [row] = await tx<{ ok: boolean }[]>`
    select exists (select 1 from private.accounts_with_permission('review_ai_chats') a
                    where a = ${accountId}::uuid) as ok`;
  return row.ok;
}

export async function reviewQueue(tx: Tx, accountId: string) {
  const rows = await tx`
    select q.id, 'mentor' as kind, q.created_at, q.escalated_at,
           case when q.escalated_to_trainer then coalesce(q.escalation_reason, 'escalated')
                else 'low rating' end as reason,
           jsonb_build_object('id', q.user_id, 'name', coalesce(nullif(u.full_name, ''), u.email)) as student,
           q.question, q.response as answer, q.student_rating, q.student_feedback, q.flagged_for_review,
           q.escalated_to_trainer, q.llm_request_id
      from public.mentor_review_queue q
      left join public.users u on u.id = q.user_id
     where q.account_id = ${accountId}::uuid
     order by q.escalated_to_trainer desc, coalesce(q.escalated_at, q.created_at) desc
     limit 200`;
  return { data: [...rows], can_resolve: await canResolve(tx, accountId) };
}

/** Resolution texts are notes, not documents (resolve_mentor_chat allows 4000 characters). */
export const MAX_RESOLUTION_CHARS = 4000;

/**
 * Resolves a chat of the account through the RPC as the user. A reader whose role does not review
 * chats here is 403; a chat that is not in the account or not in the queue is 404 (the RPC's P0002),
 * whichever tenant it belongs to.
 */
export async function resolveChat(tx: Tx, accountId: string, id: string, resolution: string) {
  if (!(await canResolve(tx, accountId))) {
    throw forbidden("Your role in this account does not review AI chats (review_ai_chats)", "permission_denied");
  }
  const [row] = await tx`
    select c.id, c.account_id, c.resolution, c.resolved_by, c.resolved_at, c.flagged_for_review,
           c.escalated_to_trainer
      from public.resolve_mentor_chat(${id}::uuid, ${resolution}) c`.catch((err) => {
    const code = (err as { code?: string }).code;
    if (code === "P0002" || code === "42501") throw notFoundChat();
    if (code === "22023" || code === "22001") throw badRequest((err as Error).message, "resolution");
    throw err;
  });
  if (row.account_id !== accountId) throw notFoundChat();
  return row;
}

const notFoundChat = () =>
  notFound("No flagged or escalated chat with this id that you may review in this account", "chat_not_found");
