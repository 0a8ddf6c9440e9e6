/**
 * Merges what a message revealed into the session's profile: newer non-empty values win, interest
 * arrays are appended without duplicates (case-insensitive, first spelling kept), preferences are
 * merged key by key. An email also marks the session as no longer anonymous. Email collisions with
 * other sessions of the account are recorded by the profiles trigger
 * (private.detect_profile_email_collision) into profile_email_collisions.
 */
import type { Sql } from "../_shared/runtime/db.ts";
import type { ProfileFields } from "./profile-extraction.ts";

/**
 * Runs in the background, off the answer's path. The schema allows several profiles per session
 * (for the seed's future merges), so there is no unique key to upsert on: a transaction-scoped
 * advisory lock per session keeps two messages arriving together from creating two profiles.
 */
export async function mergeProfile(sql: Sql, sessionId: string, f: ProfileFields): Promise<void> {
  const text = (v: string | undefined) => v ?? null;
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${"chat-profile:" + sessionId}, 0))`;
    await tx`
      with updated as (
        update public.profiles p set
          customer_name = coalesce(${text(f.customer_name)}, p.customer_name),
          phone = coalesce(${text(f.phone)}, p.phone),
          email = coalesce(${text(f.email)}, p.email),
          address_street = coalesce(${text(f.address_street)}, p.address_street),
          address_city = coalesce(${text(f.address_city)}, p.address_city),
          address_state = coalesce(${text(f.address_state)}, p.address_state),
          address_zip = coalesce(${text(f.address_zip)}, p.address_zip),
          products_of_interest = private.append_distinct(p.products_of_interest, ${
      f.products_of_interest ?? []
    }::text[]),
          services_of_interest = private.append_distinct(p.services_of_interest, ${
      f.services_of_interest ?? []
    }::text[]),
          preferences = p.preferences || ${tx.json(f.preferences ?? {})}
         where p.session_id = ${sessionId}
        returning 1
      ), inserted as (
        insert into public.profiles (session_id, customer_name, phone, email, address_street, address_city,
                                     address_state, address_zip, products_of_interest, services_of_interest, preferences)
        select ${sessionId}, ${text(f.customer_name)}, ${text(f.phone)}, ${text(f.email)}, ${text(f.address_street)},
               ${text(f.address_city)}, ${text(f.address_state)}, ${text(f.address_zip)},
               ${f.products_of_interest ?? []}::text[], ${f.services_of_interest ?? []}::text[], ${
      tx.json(f.preferences ?? {})
    }
         where not exists (select 1 from updated)
        returning 1
      )
      update public.sessions set email = ${text(f.email)}, is_anonymous = false
       where id = ${sessionId} and ${text(f.email)}::text is not null`;
  });
}
