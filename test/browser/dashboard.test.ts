// The dashboard in a real browser: Debian's Chromium driven by playwright-core against the built SPA, served
// like `npm start` serves it, talking to the real functions on real Postgres with the demo data. Every number
// the page shows is compared with the database; screenshots of each page go to docs/screenshots/ for the README.
//
// The stack here is a whole `npm start` of its own (scripts/lib/stack.ts: embedded Postgres, migrations,
// functions): the demo has fixed slugs and users, and test/db/demo.test.ts resets them in the shared test
// database, so this file seeds them where nothing else runs.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, ensureChromium } from "../../scripts/ensure-chromium.ts";
import { dashboardDist, serveDashboard, signedInUrl } from "../../scripts/lib/dashboard.ts";
import { type DemoData, seedDemo } from "../../scripts/lib/demo.ts";
import { freePort } from "../../scripts/lib/net.ts";
import { repoRoot } from "../../scripts/lib/paths.ts";
import { type Stack, startStack } from "../../scripts/lib/stack.ts";
import { createAccount, grantRole } from "../helpers/fixtures.ts";
import type { StaticServer } from "../../scripts/lib/static-server.ts";

const SCREENSHOTS = path.join(repoRoot, "docs/screenshots");
const CALLS = 1500;

let stack: Stack;
let sql: postgres.Sql;
let demo: DemoData;
let site: StaticServer;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  const executablePath = ensureChromium();
  dataDir = mkdtempSync(path.join(tmpdir(), "dashboard-browser-"));
  // Run as root, Postgres runs as the OS user `postgres`, which must be able to enter the directory.
  chmodSync(dataDir, 0o755);
  stack = await startStack({
    dbPort: await freePort(),
    dataDir: path.join(dataDir, "postgres"),
    persistent: false,
    functionsPort: await freePort(),
    log: () => {},
    onFunctionsOutput: (line) => {
      if (process.env.DEBUG_FUNCTIONS) process.stderr.write(`[functions] ${line}\n`);
    },
  });
  sql = postgres(stack.dbUrl, { max: 2, onnotice: () => {} });
  demo = await seedDemo(stack.dbUrl, { calls: CALLS });
  site = await serveDashboard({ port: await freePort(), functionsUrl: stack.functionsUrl });
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await site?.stop();
  await sql?.end();
  await stack?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh browser context (its own storage) signed in as `user` through the URL `npm start` prints. */
async function signedIn(user: { id: string; email: string }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, reducedMotion: "reduce" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  await page.goto(signedInUrl(site.url, await demo.mintJwt(user)));
  await page.getByRole("heading", { level: 1 }).first().waitFor();
  expect(errors).toEqual([]);
  // The token left the address bar (it lives in this tab's sessionStorage).
  expect(page.url()).not.toContain("access_token");
  return { context, page };
}

const go = (page: Page, hash: string) => page.evaluate((h) => (location.hash = h), hash);
const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
/** Decimal strings compared as written by Postgres or the API ("0.120" and "0.12" are the same amount). */
const decimal = (s: string) => s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
const metric = (page: Page, name: string) => page.locator(`[data-metric="${name}"]`).first().getAttribute("data-value");

async function chooseRange(page: Page, label: string) {
  const answered = page.waitForResponse((r) => r.url().includes("/dashboard/overview") && r.ok());
  await page.getByLabel("Range").selectOption({ label });
  await answered;
  await page.locator(".chart canvas").first().waitFor();
}

describe("dashboard in Chromium", () => {
  it("overview: charts and totals equal the demo account's ledger", async () => {
    const { context, page } = await signedIn(demo.demoUser);
    await page.getByRole("heading", { name: "Overview" }).waitFor();
    // 90 days cover the whole demo (its calls are in the last 30), so the totals are the account's whole ledger.
    await chooseRange(page, "Last 90 days");
    const [db] = await sql<{ requests: string; cost: string; prompt: string; models: string[] }[]>`
      select count(*)::text as requests, sum(computed_cost)::text as cost, sum(prompt_tokens)::text as prompt,
             array_agg(distinct model) as models
        from public.llm_requests where account_id = ${demo.accounts.demo.id}`;
    expect(Number(db.requests)).toBe(CALLS);
    expect(await metric(page, "requests")).toBe(db.requests);
    expect(decimal((await metric(page, "cost_usd"))!)).toBe(decimal(db.cost));
    expect(await metric(page, "prompt_tokens")).toBe(db.prompt);
    // Three charts drawn on canvas; the cost chart's legend names every model the account used.
    await expect.poll(() => page.locator(".chart canvas").count()).toBeGreaterThanOrEqual(3);
    const cost = page.getByRole("img", { name: "Cost per day by model" });
    const legend = await cost.locator(".u-legend .u-label").allTextContents();
    expect(legend.slice(1).sort()).toEqual([...db.models].sort());
    // The screenshots show the default range (the page tells the range it read).
    await chooseRange(page, "Last 30 days");
    await shot(page, "overview");

    await go(page, "#/breakdowns/model");
    const table = page.getByRole("table", { name: "Usage by model" });
    await table.waitFor();
    expect(await table.locator("tbody tr").count()).toBe(db.models.length);
    expect(await table.locator("svg.spark").count()).toBe(db.models.length);
    await shot(page, "breakdowns");

    await go(page, "#/errors");
    await page.getByRole("table", { name: "Top errors" }).waitFor();
    await shot(page, "errors");

    await go(page, "#/sessions");
    const sessions = page.getByRole("table", { name: "Chat sessions" });
    await sessions.waitFor();
    await sessions.locator("tbody tr a").first().click();
    await page.getByRole("log", { name: "Transcript" }).locator(".msg").first().waitFor();
    await shot(page, "session");
    await context.close();
  });

  it("requests: a filter changes the list, and a call's detail shows its redacted bodies", async () => {
    const { context, page } = await signedIn(demo.demoUser);
    await go(page, "#/requests");
    const table = page.getByRole("table", { name: "Requests" });
    await table.waitFor();
    const ids = () => table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
    const newest = await sql<{ id: string }[]>`
      select id from public.ai_interactions where account_id = ${demo.accounts.demo.id}
       order by "timestamp" desc, id desc limit 50`;
    expect(await ids()).toEqual(newest.slice(0, 25).map((r) => r.id));
    await shot(page, "requests");

    // Pages follow the API's cursor, and come back.
    await page.getByRole("link", { name: "Next →" }).click();
    await expect.poll(ids).toEqual(newest.slice(25).map((r) => r.id));
    await page.getByRole("link", { name: "← Previous" }).click();
    await expect.poll(ids).toEqual(newest.slice(0, 25).map((r) => r.id));

    await page.getByLabel("Status").selectOption("error");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/status=error/);
    const errors = await sql<{ id: string }[]>`
      select id from public.ai_interactions where account_id = ${demo.accounts.demo.id} and status = 'error'
       order by "timestamp" desc, id desc limit 25`;
    expect(errors.length).toBeGreaterThan(0);
    await expect.poll(ids).toEqual(errors.map((r) => r.id));
    expect(errors.map((r) => r.id)).not.toEqual(newest.slice(0, 25).map((r) => r.id));

    // A time filter on top: the list asks from a day ago, and shows only errors of the last day.
    await page.getByLabel("Time").selectOption({ label: "Last 24 hours" });
    const listed = page.waitForResponse((r) => r.url().includes("/interactions?") && r.ok());
    await page.getByRole("button", { name: "Apply filters" }).click();
    const url = new URL((await listed).url());
    expect(url.searchParams.get("status")).toBe("error");
    expect(Date.now() - Date.parse(url.searchParams.get("from")!)).toBeGreaterThanOrEqual(86_400_000);
    const lastDay = await sql<{ id: string }[]>`
      select id from public.ai_interactions where account_id = ${demo.accounts.demo.id} and status = 'error'
         and "timestamp" >= ${url.searchParams.get("from")} order by "timestamp" desc, id desc limit 25`;
    await expect.poll(ids).toEqual(lastDay.map((r) => r.id));

    // A call logged with personal data in it (ingest, as an app would): the list shows it, and its detail shows
    // the body as stored, redacted.
    const res = await fetch(`${stack.functionsUrl}/ingest`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await demo.mintJwt(demo.demoUser)}`,
        "x-account-id": demo.accounts.demo.id,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        request: { messages: [{ role: "user", content: "Mail jane.doe@example.org or call +1 415 555 0100" }] },
        response: { choices: [{ message: { role: "assistant", content: "I will write to jane.doe@example.org." } }] },
        model_name: "gpt-4o-mini",
        provider: "openai",
        latency_ms: 420,
        usage: { prompt_tokens: 18, completion_tokens: 9 },
        properties: { feature: "chat" },
      }),
    });
    expect(res.status).toBe(201);
    const { interaction_id: id } = await res.json() as { interaction_id: string };
    await page.getByRole("link", { name: "Clear" }).click();
    await page.locator(`tr[data-id="${id}"]`).click();
    const body = page.getByLabel("Request body");
    await body.waitFor();
    const [stored] = await sql<{ request: unknown; response: unknown }[]>`
      select private.decrypt_payload(account_id, request) as request,
             private.decrypt_payload(account_id, response) as response
        from public.ai_interactions where id = ${id}`;
    expect(await body.textContent()).toBe(JSON.stringify(stored.request, null, 2));
    expect(await page.getByLabel("Response body").textContent()).toBe(JSON.stringify(stored.response, null, 2));
    expect(await body.textContent()).toContain("[REDACTED_EMAIL]");
    expect(await page.locator("main").textContent()).not.toContain("jane.doe@example.org");
    await page.getByLabel("Response body").waitFor();
    await shot(page, "request-detail");
    await context.close();
  });

  it("review: the reviewer resolves an escalated chat and the database records it", async () => {
    const { context, page } = await signedIn(demo.reviewerUser);
    await go(page, "#/feedback");
    const queue = page.getByRole("list", { name: "Review queue" });
    await queue.waitFor();
    const escalated = queue.getByRole("listitem").filter({ hasText: "escalated" }).first();
    const id = await escalated.getAttribute("data-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [before] = await sql`select resolved_at from public.ai_mentor_chats where id = ${id}`;
    expect(before.resolved_at).toBeNull();

    const owner = await signedIn(demo.demoUser);
    await go(owner.page, "#/feedback");
    await owner.page.getByRole("list", { name: "Review queue" }).waitFor();
    await shot(owner.page, "feedback");
    await owner.context.close();

    await escalated.getByLabel("Resolution").fill("Explained the right answer to the student");
    const resolved = page.waitForResponse((r) => r.url().includes(`/review-queue/${id}/resolve`));
    await escalated.getByRole("button", { name: "Resolve" }).click();
    expect((await resolved).status()).toBe(200);
    await expect.poll(() => page.locator(`[data-id="${id}"]`).count()).toBe(0);
    const [after] = await sql`
      select resolution, resolved_by, resolved_at from public.ai_mentor_chats where id = ${id}`;
    expect(after.resolution).toBe("Explained the right answer to the student");
    expect(after.resolved_by).toBe(demo.reviewerUser.id);
    expect(after.resolved_at).not.toBeNull();
    await context.close();
  });

  it("a viewer of another account sees none of this account's data", async () => {
    const { context, page } = await signedIn(demo.otherViewer);
    await chooseRange(page, "Last 90 days");
    const count = async (accountId: string) =>
      (await sql<{ n: string }[]>`select count(*)::text as n from public.llm_requests where account_id = ${accountId}`)[
        0
      ].n;
    expect(await metric(page, "requests")).toBe(await count(demo.accounts.other.id));
    expect(await count(demo.accounts.other.id)).not.toBe(await count(demo.accounts.demo.id));
    // No switcher entry for the demo account: it is not one of theirs.
    expect(await page.locator("#account").count()).toBe(0);
    await expect(page.locator(".sidebar").textContent()).resolves.toContain(demo.accounts.other.name);

    await go(page, "#/requests");
    const table = page.getByRole("table", { name: "Requests" });
    await table.waitFor();
    const shown = await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));
    expect(shown.length).toBeGreaterThan(0);
    const [leak] = await sql`select count(*)::int as n from public.ai_interactions
                               where id = any(${shown}::uuid[]) and account_id <> ${demo.accounts.other.id}`;
    expect(leak.n).toBe(0);

    // A demo call's id, typed into the address bar, is not found for them.
    const [theirs] =
      await sql`select id from public.ai_interactions where account_id = ${demo.accounts.demo.id} limit 1`;
    await go(page, `#/requests/${theirs.id}`);
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/no such request/i);
    await context.close();
  });

  it("the served app holds no secret: no service key, no JWT secret, in its config or its code", async () => {
    const assets = path.join(dashboardDist, "assets");
    const files = [
      await (await fetch(`${site.url}/config.json`)).text(),
      await (await fetch(`${site.url}/`)).text(),
      ...await Promise.all((await readdir(assets)).map((f) => readFile(path.join(assets, f), "utf8"))),
    ];
    expect(files.length).toBeGreaterThan(3);
    expect(JSON.parse(files[0])).toEqual({ functionsUrl: stack.functionsUrl });
    for (const secret of [stack.env.SUPABASE_SERVICE_ROLE_KEY, stack.env.SUPABASE_JWT_SECRET]) {
      for (const text of files) expect(text.includes(secret)).toBe(false);
    }
  });

  it("a new account without calls gets the first-call instructions instead of empty charts", async () => {
    const fresh = await createAccount(sql);
    const { context, page } = await signedIn(fresh.owner);
    const empty = page.getByRole("region", { name: /No calls in/ });
    await empty.waitFor();
    await expect(empty.getByLabel("curl example").textContent()).resolves.toContain(
      `${stack.functionsUrl}/llm-proxy/v1/chat/completions`,
    );
    expect(await page.locator(".chart").count()).toBe(0);
    await shot(page, "empty");
    await context.close();
  });

  it("the account switcher moves an owner of several accounts to the other account's data", async () => {
    // Last: it makes the demo owner a member of 'other' too.
    await grantRole(sql, demo.demoUser.id, demo.accounts.other.id, "viewer");
    const { context, page } = await signedIn(demo.demoUser);
    const switcher = page.getByLabel("Account");
    await expect(switcher.locator("option").allTextContents()).resolves.toHaveLength(2);
    await chooseRange(page, "Last 90 days");
    const count = async (accountId: string) =>
      (await sql<{ n: string }[]>`select count(*)::text as n from public.llm_requests where account_id = ${accountId}`)[
        0
      ]
        .n;
    const shown = await metric(page, "requests");
    const other = shown === (await count(demo.accounts.demo.id)) ? demo.accounts.other : demo.accounts.demo;
    const answered = page.waitForResponse((r) => r.url().includes("/dashboard/overview") && r.ok());
    await switcher.selectOption(other.id);
    expect((await answered).request().headers()["x-account-id"]).toBe(other.id);
    await page.locator(".chart canvas").first().waitFor();
    expect(await metric(page, "requests")).toBe(await count(other.id));
    expect(await metric(page, "requests")).not.toBe(shown);
    await context.close();
  });
});
