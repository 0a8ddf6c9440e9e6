/** Sessions: the chat widget's conversations, each with its transcript and the visitor's profile. */
import { h } from "../dom.ts";
import { dateTime, int, json } from "../format.ts";
import { type Ctx, href, pageHead } from "../state.ts";
import { display } from "../table.ts";
import type { SessionDetail, SessionItem } from "../types.ts";

export async function sessionsPage(ctx: Ctx): Promise<HTMLElement> {
  if (ctx.route.path[1]) return sessionDetail(ctx, ctx.route.path[1]);
  const cursor = ctx.route.query.get("cursor");
  const page = await ctx.api.get<{ data: SessionItem[]; next_cursor: string | null }>("dashboard/sessions", {
    limit: 25,
    cursor,
  });
  const body = page.data.length === 0
    ? h(
      "div",
      { class: "state" },
      "No chat sessions yet. Sessions appear when visitors talk to a chat widget instance (the chat function).",
    )
    : h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { "aria-label": "Chat sessions" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Started", "Last message", "Messages", "Visitor", "Agent", "Status"].map((c) =>
              h("th", { scope: "col" }, c)
            ),
          ),
        ),
        h(
          "tbody",
          {},
          page.data.map((s) =>
            h(
              "tr",
              {},
              h("td", {}, h("a", { href: href(["sessions", s.id]) }, dateTime(s.started_at))),
              h("td", {}, dateTime(s.last_message_at)),
              h("td", { class: "num" }, int(s.message_count)),
              h("td", {}, label(s.visitor)),
              h("td", {}, label(s.agent_instance)),
              h("td", {}, s.status ?? "–"),
            )
          ),
        ),
      ),
    );
  return h(
    "div",
    {},
    pageHead("Sessions", "Chat widget conversations"),
    h(
      "section",
      { class: "panel" },
      body,
      h(
        "nav",
        { class: "pager", "aria-label": "Pages" },
        cursor && h("a", { href: "#/sessions" }, "← Newest"),
        page.next_cursor && h("a", { href: href(["sessions"], { cursor: page.next_cursor }) }, "Older →"),
      ),
    ),
  );
}

/** A visitor or agent as the API sends it: a name-ish field of an object, or the value itself. */
function label(v: unknown): string {
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const name = o.display_name ?? o.name ?? o.full_name ?? o.email ?? o.slug ??
      (o.is_anonymous ? "anonymous visitor" : o.id);
    return name === undefined || name === null ? "–" : String(name);
  }
  return display(v);
}

async function sessionDetail(ctx: Ctx, id: string): Promise<HTMLElement> {
  const { data } = await ctx.api.get<{ data: SessionDetail }>(`dashboard/sessions/${encodeURIComponent(id)}`);
  const profile = data.profile;
  return h(
    "div",
    {},
    pageHead("Session", id, h("a", { href: "#/sessions" }, "← All sessions")),
    h(
      "div",
      { class: "grid2", style: "grid-template-columns: 2fr 1fr" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "transcript-title" },
        h("h2", { id: "transcript-title" }, `Transcript (${data.messages.length} messages)`),
        h(
          "div",
          { class: "transcript", role: "log", "aria-label": "Transcript" },
          data.messages.length === 0
            ? h("p", { class: "muted" }, "No messages in this session.")
            : data.messages.map((m) =>
              h(
                "div",
                { class: `msg ${m.role === "human" ? "user" : m.role}` },
                h("small", {}, `${m.role} · ${dateTime(m.created_at)}`),
                typeof m.content === "string" ? m.content : json(m.content),
              )
            ),
        ),
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "profile-title" },
        h("h2", { id: "profile-title" }, "Visitor profile"),
        profile
          ? h(
            "dl",
            { class: "facts" },
            facts(profile),
          )
          : h("p", { class: "muted" }, "No profile recorded for this visitor."),
        h("h2", { style: "margin-top:16px" }, "Session"),
        h(
          "dl",
          { class: "facts" },
          facts(data.session),
        ),
      ),
    ),
  );
}

/** A record as definition-list rows: ids left out (they are in the URL), times readable, empty values skipped. */
function facts(record: Record<string, unknown>): HTMLElement[] {
  return Object.entries(record)
    .filter(([k, v]) => !/(^|_)id$/.test(k) && v !== null && v !== "" && !["[]", "{}"].includes(JSON.stringify(v)))
    .flatMap(([k, v]) => [
      h("dt", {}, k.replace(/_/g, " ")),
      h("dd", {}, /_at$/.test(k) && typeof v === "string" ? dateTime(v) : display(v)),
    ]);
}
