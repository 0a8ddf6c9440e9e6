// A session key is a bearer credential for a visitor's conversation: the database keeps only its
// SHA-256, and members who read history (view_history) cannot read even that.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatBrowser, type ChatStack, sha256Hex, startChatStack } from "../helpers/chat-browser.ts";
import { addMember, as, asRole } from "../helpers/fixtures.ts";
import { stopStack } from "../helpers/stack.ts";

let { sql, fake, fns, acme, chat } = {} as ChatStack;

beforeAll(async () => {
  ({ sql, fake, fns, acme, chat } = await startChatStack({
    OPENROUTER_API_KEY: "sk-or-v1-test-key-session-0123456789",
  }));
});

afterAll(() => stopStack({ sql, fake, fns }));

describe("chat session keys", () => {
  it("are stored only as their SHA-256, never as the cookie's value", async () => {
    const visitor = new ChatBrowser(fns.url);
    expect((await visitor.send(acme.slug, chat.slug, "hello")).res.status).toBe(200);
    const key = visitor.key(acme.slug)!;
    expect(await sql`select 1 from public.sessions where session_key = ${key}`).toHaveLength(0);
    const [row] = await sql`select session_key from public.sessions where session_key = ${sha256Hex(key)}`;
    expect(row).toBeDefined();
    // Plain keys cannot even be stored: the column only takes a hash.
    await expect(sql`insert into public.sessions (account_id, session_key) values (${acme.id}, ${key})`).rejects
      .toThrow(/check constraint/);
  });

  it("cannot be read by a history reader, and what the database holds does not resume the session", async () => {
    const visitor = new ChatBrowser(fns.url);
    await visitor.send(acme.slug, chat.slug, "my private question");
    const viewer = await addMember(sql, acme, "viewer");
    // The viewer still sees the session (RLS: view_history), but not its key.
    const visible = await asRole(
      sql,
      as(viewer),
      (tx) => tx`select id, account_id, user_id, last_activity_at from public.sessions`,
    );
    expect(visible.length).toBeGreaterThan(0);
    await expect(asRole(sql, as(viewer), (tx) => tx`select session_key from public.sessions`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(asRole(sql, as(viewer), (tx) => tx`select * from public.sessions`)).rejects.toThrow(
      /permission denied/,
    );

    // Even with the stored value (say, from a leaked backup), a replayed cookie is a new session.
    const [stored] = await sql`select session_key from public.sessions where session_key = ${
      sha256Hex(visitor.key(acme.slug)!)
    }`;
    const replay = new ChatBrowser(fns.url);
    replay.cookies.set(`chat_session_${acme.slug}`, stored.session_key);
    const history = await replay.history(acme.slug, chat.slug);
    expect(history.body.messages).toEqual([]);
    expect((await replay.send(acme.slug, chat.slug, "posting as the visitor")).res.status).toBe(200);
    expect(replay.key(acme.slug)).not.toBe(visitor.key(acme.slug));
    const own = await visitor.history(acme.slug, chat.slug);
    expect(own.body.messages.map((m: { content: string }) => m.content)).not.toContain("posting as the visitor");
  });
});
