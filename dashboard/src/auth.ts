/**
 * Who the dashboard acts for. Two ways in, both ending with a user JWT that every call carries:
 * - local (`npm start`): the printed URL carries a demo user's JWT in its fragment (`#access_token=...`),
 *   which never reaches a server; it is kept in sessionStorage for this tab only.
 * - hosted: Supabase Auth through supabase-js with the project URL and anon key from config.json
 *   (loaded on demand, so the local build never pays for it). The anon key is public by design;
 *   no service key is ever part of the app.
 */
import type { SupabaseClient } from "@supabase/supabase-js";

export interface RuntimeConfig {
  /** Base URL of the edge functions, e.g. https://<ref>.supabase.co/functions/v1. */
  functionsUrl: string;
  /** Supabase project URL and anon key: set on a hosted project, enables the sign-in form. */
  supabaseUrl?: string;
  anonKey?: string;
}

const TOKEN_KEY = "dashboard.token";

export interface Session {
  email: string | null;
  token(): Promise<string>;
  signOut(): Promise<void>;
}

export async function loadConfig(): Promise<RuntimeConfig> {
  const res = await fetch("config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const config = await res.json() as Partial<RuntimeConfig>;
  const functionsUrl = config.functionsUrl ?? (config.supabaseUrl ? `${config.supabaseUrl}/functions/v1` : null);
  if (!functionsUrl) throw new Error("config.json names neither functionsUrl nor supabaseUrl");
  return { ...config, functionsUrl: functionsUrl.replace(/\/+$/, "") };
}

/**
 * A token handed over in the URL fragment, moved to sessionStorage and removed from the address bar.
 * Called first thing at boot, before anything async, so no navigation can replace the fragment first.
 */
export function takeFragmentToken(): void {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = params.get("access_token");
  if (!token || params.has("refresh_token")) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, "", `${location.pathname}${location.search}#/overview`);
}

function claimsOf(token: string): Record<string, unknown> {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload));
  } catch {
    return {};
  }
}

/** The current session, or null when the user must sign in (then `signIn` renders the form). */
export async function currentSession(config: RuntimeConfig): Promise<Session | null> {
  if (config.supabaseUrl && config.anonKey) {
    const client = await supabase(config);
    const { data } = await client.auth.getSession();
    if (!data.session) return null;
    return {
      email: data.session.user.email ?? null,
      token: async () => (await client.auth.getSession()).data.session?.access_token ?? "",
      signOut: async () => {
        await client.auth.signOut();
      },
    };
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return null;
  const claims = claimsOf(token);
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
  return {
    email: typeof claims.email === "string" ? claims.email : null,
    token: () => Promise.resolve(token),
    signOut: () => {
      sessionStorage.removeItem(TOKEN_KEY);
      return Promise.resolve();
    },
  };
}

let client: SupabaseClient | null = null;
async function supabase(config: RuntimeConfig): Promise<SupabaseClient> {
  if (!client) {
    const { createClient } = await import("@supabase/supabase-js");
    client = createClient(config.supabaseUrl as string, config.anonKey as string, {
      auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: true },
    });
  }
  return client;
}

/** Signs in with email and password, or sends a magic link when the password is left empty. */
export async function signIn(config: RuntimeConfig, email: string, password: string): Promise<string> {
  const auth = (await supabase(config)).auth;
  if (password) {
    const { error } = await auth.signInWithPassword({ email, password });
    if (error) throw error;
    return "signed-in";
  }
  const { error } = await auth.signInWithOtp({ email, options: { emailRedirectTo: location.href.split("#")[0] } });
  if (error) throw error;
  return "link-sent";
}
