/** The empty state: no calls in this account yet, so show how to send the first one. */
import { h } from "../dom.ts";
import type { Ctx } from "../state.ts";

export function firstCall(ctx: Ctx): HTMLElement {
  const base = `${ctx.functionsUrl}/llm-proxy/v1`;
  const curl = [
    `curl ${base}/chat/completions \\`,
    `  -H "Authorization: Bearer $GATEWAY_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  ].join("\n");
  const sdk = [
    `import OpenAI from "openai";`,
    ``,
    `const client = new OpenAI({ baseURL: "${base}", apiKey: process.env.GATEWAY_API_KEY });`,
    `const answer = await client.chat.completions.create({`,
    `  model: "openai/gpt-4o-mini",`,
    `  messages: [{ role: "user", content: "Hello!" }],`,
    `});`,
  ].join("\n");
  return h(
    "section",
    { class: "panel empty", "aria-labelledby": "empty-title" },
    h("h2", { id: "empty-title" }, `No calls in ${ctx.account.name} for this range yet`),
    h(
      "p",
      {},
      "Send your first LLM call through the gateway and it shows up here within seconds. Create an API key with ",
      h("code", {}, `npm run api-key:create -- ${ctx.account.slug}`),
      " (or sign in and use your user JWT), then:",
    ),
    h("pre", { "aria-label": "curl example" }, curl),
    h("p", {}, "Or with the official openai SDK, only the base URL changes:"),
    h("pre", { "aria-label": "openai SDK example" }, sdk),
  );
}
