/** Boot: config, session, accounts, then a hash router that renders one page at a time. */
import "./styles.css";
import { Api, ApiError } from "./api.ts";
import { currentSession, loadConfig, type RuntimeConfig, type Session, signIn, takeFragmentToken } from "./auth.ts";
import { disposeCharts, drawPending } from "./charts.ts";
import { failure, field, h, loading, mount } from "./dom.ts";
import { breakdownsPage } from "./pages/breakdowns.ts";
import { errorsPage } from "./pages/errors.ts";
import { feedbackPage } from "./pages/feedback.ts";
import { overviewPage } from "./pages/overview.ts";
import { requestsPage } from "./pages/requests.ts";
import { sessionsPage } from "./pages/sessions.ts";
import { type Ctx, parseRoute } from "./state.ts";
import type { Account } from "./types.ts";

const PAGES: [string, string, (ctx: Ctx) => Promise<HTMLElement>][] = [
  ["overview", "Overview", overviewPage],
  ["breakdowns", "Breakdowns", breakdownsPage],
  ["requests", "Requests", requestsPage],
  ["sessions", "Sessions", sessionsPage],
  ["feedback", "Feedback & review", feedbackPage],
  ["errors", "Errors", errorsPage],
];
const ACCOUNT_KEY = "dashboard.account";

const app = document.getElementById("app")!;

async function boot(): Promise<void> {
  let config: RuntimeConfig;
  try {
    config = await loadConfig();
  } catch (err) {
    mount(app, failure(err));
    return;
  }
  const session = await currentSession(config);
  if (!session) return signInPage(config);
  const api = new Api(config.functionsUrl, session, config.anonKey);
  let accounts: Account[];
  try {
    accounts = (await api.get<{ data: Account[] }>("dashboard/accounts")).data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      await session.signOut();
      return signInPage(config, "Your session has expired: sign in again.");
    }
    mount(app, failure(err, () => void boot()));
    return;
  }
  if (accounts.length === 0) {
    mount(
      app,
      h(
        "div",
        { class: "state" },
        h("h1", {}, "No account yet"),
        h(
          "p",
          {},
          "You are not a member of any account. Ask an owner to invite you, or create one with create_account.",
        ),
      ),
    );
    return;
  }
  shell(config, session, api, accounts);
}

function shell(config: RuntimeConfig, session: Session, api: Api, accounts: Account[]): void {
  const saved = localStorage.getItem(ACCOUNT_KEY);
  let account = accounts.find((a) => a.id === saved) ?? accounts[0];
  api.accountId = account.id;
  const main = h("main", { id: "main", tabindex: -1 });
  const nav = h("nav", { class: "nav", "aria-label": "Pages" });
  const switcher = h(
    "select",
    { id: "account" },
    accounts.map((a) => h("option", { value: a.id, selected: a.id === account.id }, `${a.name} (${a.role})`)),
  );
  switcher.addEventListener("change", () => {
    account = accounts.find((a) => a.id === switcher.value) ?? account;
    localStorage.setItem(ACCOUNT_KEY, account.id);
    api.accountId = account.id;
    location.hash = "#/overview";
    render();
  });
  const signOut = h("button", { class: "btn secondary", type: "button", style: "margin: 8px 8px 0" }, "Sign out");
  signOut.addEventListener("click", async () => {
    await session.signOut();
    location.hash = "";
    location.reload();
  });
  mount(
    app,
    h(
      "div",
      { class: "shell" },
      h(
        "aside",
        { class: "sidebar" },
        h("div", { class: "brand" }, "AI Gateway", h("small", {}, "Interaction ledger")),
        accounts.length > 1
          ? h("div", { class: "field" }, h("label", { for: "account" }, "Account"), switcher)
          : h("div", { class: "brand", style: "font-size:13px;font-weight:500" }, account.name),
        nav,
        h("div", { class: "who" }, session.email ?? "signed in", h("br"), signOut),
      ),
      main,
    ),
  );

  let generation = 0;
  async function render(): Promise<void> {
    const route = parseRoute(location.hash);
    const name = PAGES.some(([k]) => k === route.path[0]) ? route.path[0] : "overview";
    const [, title, page] = PAGES.find(([k]) => k === name)!;
    mount(
      nav,
      PAGES.map(([k, label]) => h("a", { href: `#/${k}`, "aria-current": k === name ? "page" : null }, label)),
    );
    document.title = `${title} · ${account.name} · AI Gateway`;
    const mine = ++generation;
    disposeCharts();
    mount(main, loading(`Loading ${title.toLowerCase()}`));
    const ctx: Ctx = { api, account, route, functionsUrl: config.functionsUrl, refresh: () => void render() };
    try {
      const el = await page(ctx);
      if (mine !== generation) return;
      mount(main, el);
      drawPending();
    } catch (err) {
      if (mine !== generation) return;
      mount(main, failure(err, () => void render()));
    }
  }
  addEventListener("hashchange", () => void render());
  void render();
}

function signInPage(config: RuntimeConfig, notice?: string): void {
  if (!config.supabaseUrl || !config.anonKey) {
    mount(
      app,
      h(
        "div",
        { class: "signin" },
        h("h1", {}, "Not signed in"),
        notice && h("p", { role: "alert" }, notice),
        h(
          "p",
          {},
          "Locally, run ",
          h("code", {}, "npm start"),
          " and open the dashboard URL it prints: it signs you in as the demo user.",
        ),
        h(
          "p",
          { class: "muted" },
          "On a hosted project, set supabaseUrl and anonKey in config.json to sign in with Supabase Auth.",
        ),
      ),
    );
    return;
  }
  const email = h("input", { type: "email", name: "email", id: "email", required: true, autocomplete: "email" });
  const password = h("input", { type: "password", name: "password", id: "password", autocomplete: "current-password" });
  const status = h("p", { role: "status" }, notice ?? "");
  const form = h(
    "form",
    {},
    field("Email", email),
    field("Password (leave empty for a magic link)", password),
    h("button", { class: "btn", type: "submit" }, "Sign in"),
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const outcome = await signIn(config, email.value, password.value);
      if (outcome === "link-sent") status.textContent = `We sent a sign-in link to ${email.value}.`;
      else void boot();
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  });
  mount(app, h("div", { class: "signin" }, h("h1", {}, "Sign in"), form));
}

takeFragmentToken();
void boot();
