/**
 * Chat sessions (the widget's conversations) as the signed-in user may see them: history readers the
 * account's, anyone else their own (the sessions, messages and profiles policies). Newest activity
 * first, keyset-paged on (last_activity_at, id) so sessions that move meanwhile never repeat a page.
 */
import type postgres from "postgres";

type Tx = postgres.TransactionSql;

/** A session with no message for this long is shown as idle. */
const ACTIVE_WINDOW = "30 minutes";

const cursorOf = (micros: string, id: string) => `${micros}.${id}`;

export async function listSessions(tx: Tx, accountId: string, limit: number, cursor: string | null) {
  const [micros, cursorId] = cursor ? cursor.split(".") : [null, null];
  const rows = await tx<{ item: Record<string, unknown>; micros: string; id: string }[]>`
    select jsonb_build_object(
             'id', s.id, 'started_at', s.created_at, 'last_message_at', s.last_activity_at,
             'message_count', (select count(*) from public.messages m where m.session_id = s.id),
             'visitor', jsonb_build_object('user_id', s.user_id, 'email', coalesce(p.email, s.email),
                                           'name', p.customer_name, 'is_anonymous', s.is_anonymous),
             'agent_instance', case when a.id is null then null else
                               jsonb_build_object('id', a.id, 'slug', a.instance_slug, 'name', a.display_name) end,
             'status', case when s.last_activity_at > now() - ${ACTIVE_WINDOW}::interval then 'active'
                            else 'idle' end
           ) as item,
           (extract(epoch from s.last_activity_at) * 1000000)::bigint::text as micros, s.id::text as id
      from public.sessions s
      left join public.agent_instances a on a.id = s.agent_instance_id
      left join lateral (select pr.email, pr.customer_name from public.profiles pr
                          where pr.session_id = s.id order by pr.updated_at desc limit 1) p on true
     where s.account_id = ${accountId}::uuid
       and (${micros}::bigint is null
            or (s.last_activity_at, s.id) < (timestamptz 'epoch' + ${micros}::bigint * interval '1 microsecond',
                                             ${cursorId}::uuid))
     order by s.last_activity_at desc, s.id desc
     limit ${limit}`;
  const last = rows.at(-1);
  return {
    data: rows.map((r) => r.item),
    next_cursor: rows.length === limit && last ? cursorOf(last.micros, last.id) : null,
  };
}

/** The session, its transcript in order and the visitor's profile; null when not visible. */
export async function sessionDetail(tx: Tx, accountId: string, id: string) {
  const [row] = await tx<{ item: Record<string, unknown> }[]>`
    select jsonb_build_object(
             'session', jsonb_build_object('id', s.id, 'started_at', s.created_at,
                                           'last_message_at', s.last_activity_at, 'user_id', s.user_id,
                                           'email', s.email, 'is_anonymous', s.is_anonymous,
                                           'agent_instance_id', s.agent_instance_id, 'metadata', s.metadata),
             'messages', coalesce((select jsonb_agg(jsonb_build_object('role', m.role, 'content', m.content,
                                                                       'created_at', m.created_at)
                                                    order by m.created_at, m.id)
                                     from public.messages m where m.session_id = s.id), '[]'::jsonb),
             'profile', (select to_jsonb(p) - 'account_id' from public.profiles p
                          where p.session_id = s.id order by p.updated_at desc limit 1)
           ) as item
      from public.sessions s
     where s.id = ${id}::uuid and s.account_id = ${accountId}::uuid`;
  return row?.item ?? null;
}
