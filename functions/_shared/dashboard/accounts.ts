/** The accounts a signed-in user belongs to, for the dashboard's account switcher. */
import type postgres from "postgres";

type Tx = postgres.TransactionSql;

/** Every permission a role can grant; {"all": true} (owners) expands to all of them. */
const PERMISSIONS = ["manage_instances", "manage_users", "use_agents", "view_history", "review_ai_chats"];

export async function myAccounts(tx: Tx) {
  const rows = await tx<{ id: string; slug: string; name: string; role: string; granted: string[] }[]>`
    select a.id, a.slug, a.name, m.role_name as role,
           array(select jsonb_object_keys(private.role_permissions(m.role_name))) as granted
      from private.my_memberships() m
      join public.accounts a on a.id = m.account_id
     order by a.name, a.slug`;
  return rows.map(({ granted, ...r }) => ({
    ...r,
    permissions: granted.includes("all") ? [...PERMISSIONS] : PERMISSIONS.filter((p) => granted.includes(p)),
  }));
}
