/**
 * Feedback and review: mentor ratings and A/B variants, the queue of flagged and escalated mentor
 * chats (resolve buttons only for users the API says may resolve), guru and twin effectiveness.
 */
import { h } from "../dom.ts";
import { dateTime } from "../format.ts";
import { type Ctx, currentRange, pageHead, rangePicker } from "../state.ts";
import { display, rowsTable } from "../table.ts";
import type { Feedback, ReviewItem } from "../types.ts";

export async function feedbackPage(ctx: Ctx): Promise<HTMLElement> {
  const [feedback, queue] = await Promise.all([
    ctx.api.get<{ data: Feedback }>("dashboard/feedback", currentRange()),
    ctx.api.get<{ data: ReviewItem[]; can_resolve: boolean }>("dashboard/review-queue"),
  ]);
  const f = feedback.data;
  return h(
    "div",
    {},
    pageHead("Feedback & review", "How the AI features are received, and what needs a human", rangePicker(ctx)),
    h(
      "div",
      { class: "grid2", style: "grid-template-columns: minmax(0, 1fr) minmax(0, 2fr)" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "ratings-title" },
        h("h2", { id: "ratings-title" }, "Mentor ratings"),
        ratings(f.mentor.ratings),
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "variants-title" },
        h("h2", { id: "variants-title" }, "A/B variants"),
        rowsTable("Mentor variants", f.mentor.variants),
      ),
    ),
    h(
      "section",
      { class: "panel", style: "margin-top:18px", "aria-labelledby": "queue-title" },
      h("h2", { id: "queue-title" }, `Review queue (${queue.data.length})`),
      reviewQueue(ctx, queue.data, queue.can_resolve),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "guru-title" },
      h("h2", { id: "guru-title" }, "Guru effectiveness"),
      rowsTable("Guru effectiveness", f.guru),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "twin-title" },
      h("h2", { id: "twin-title" }, "Employee twin"),
      rowsTable("Employee twin", f.twin),
    ),
  );
}

function ratings(r: Feedback["mentor"]["ratings"]): HTMLElement {
  if (!r.count) return h("p", { class: "muted" }, "No ratings yet. Students rate mentor answers from 1 to 5.");
  const dist: [string, number][] = Array.isArray(r.distribution)
    ? r.distribution.map((n, i) => [String(i + 1), n])
    : Object.entries(r.distribution);
  const max = Math.max(...dist.map(([, n]) => n), 1);
  return h(
    "div",
    {},
    h(
      "p",
      {},
      h("strong", { style: "font-size:22px" }, r.average === null ? "–" : Number(r.average).toFixed(2)),
      ` average over ${r.count} ratings`,
    ),
    h(
      "div",
      { role: "list", "aria-label": "Rating distribution" },
      dist.map(([stars, n]) =>
        h(
          "div",
          { class: "bar-row", role: "listitem", "aria-label": `${stars} stars: ${n}` },
          h("span", {}, `${stars}★`),
          h("div", { class: "bar", style: `width:${(n / max) * 100}%` }),
          h("span", { class: "muted" }, String(n)),
        )
      ),
    ),
  );
}

function reviewQueue(ctx: Ctx, items: ReviewItem[], canResolve: boolean): HTMLElement {
  if (items.length === 0) {
    return h("p", { class: "muted" }, "Nothing waiting for review. Flagged and escalated mentor chats land here.");
  }
  const list = h("div", { role: "list", "aria-label": "Review queue" });
  // The queue can hold hundreds: the first few (escalated first), the rest on demand.
  const rendered = items.map((item) => {
    const input = h("input", { name: "resolution", id: `resolution-${item.id}`, placeholder: "What was done" });
    const form = canResolve
      ? h(
        "form",
        {},
        h("label", { for: input.id, class: "muted" }, "Resolution"),
        input,
        h("button", { class: "btn", type: "submit" }, "Resolve"),
      )
      : null;
    form?.addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = form.querySelector("button")!;
      button.disabled = true;
      try {
        await ctx.api.post(`dashboard/review-queue/${encodeURIComponent(item.id)}/resolve`, {
          resolution: input.value.trim() || "Reviewed",
        });
        ctx.refresh();
      } catch (err) {
        button.disabled = false;
        form.append(h("span", { role: "alert", class: "state error" }, (err as Error).message));
      }
    });
    return h(
      "article",
      { class: "review", role: "listitem", "aria-label": `Review item ${item.id}`, "data-id": item.id },
      h(
        "header",
        {},
        item.escalated_to_trainer && h("span", { class: "pill error" }, "escalated"),
        item.flagged_for_review && h("span", { class: "pill partial" }, "flagged"),
        h("span", { class: "muted" }, `${dateTime(item.created_at)} · ${display(studentName(item.student))}`),
      ),
      item.reason && h("p", {}, h("strong", {}, "Reason: "), item.reason),
      h("p", {}, h("strong", {}, "Question: "), item.question ?? "–"),
      h("p", {}, h("strong", {}, "Answer: "), item.answer ?? "–"),
      form,
    );
  });
  const FIRST = 10;
  list.append(...rendered.slice(0, FIRST));
  if (rendered.length <= FIRST) return list;
  const more = h("button", { class: "btn secondary", type: "button" }, `Show all ${rendered.length}`);
  more.addEventListener("click", () => {
    list.append(...rendered.slice(FIRST));
    more.remove();
  });
  return h("div", {}, list, more);
}

function studentName(s: unknown): unknown {
  if (s && typeof s === "object") {
    const o = s as Record<string, unknown>;
    return o.name ?? o.full_name ?? o.email ?? o.id;
  }
  return s;
}
