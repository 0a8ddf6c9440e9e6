/**
 * The only way the app reads data: our edge functions, with the user's JWT and the chosen account.
 * Errors come back in the API's shape ({error: {message, code}}) and are thrown as ApiError.
 */
import type { Session } from "./auth.ts";

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code: string | null) {
    super(message);
  }
}

export class Api {
  accountId: string | null = null;

  constructor(readonly functionsUrl: string, private readonly session: Session, private readonly anonKey?: string) {}

  get<T>(path: string, params: Record<string, string | number | null | undefined> = {}): Promise<T> {
    return this.call<T>("GET", path, params);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", path, {}, body);
  }

  private async call<T>(method: string, path: string, params: Record<string, unknown>, body?: unknown): Promise<T> {
    const url = new URL(`${this.functionsUrl}/${path.replace(/^\//, "")}`);
    for (const [k, v] of Object.entries(params)) {
      if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${await this.session.token()}` };
    if (this.anonKey) headers.apikey = this.anonKey;
    if (this.accountId) headers["x-account-id"] = this.accountId;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, `the functions at ${this.functionsUrl} are not reachable`, "network_error");
    }
    const text = await res.text();
    let payload: unknown = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      payload = null;
    }
    if (!res.ok) {
      const error = (payload as { error?: { message?: string; code?: string } } | null)?.error;
      throw new ApiError(res.status, error?.message ?? `HTTP ${res.status}`, error?.code ?? null);
    }
    return payload as T;
  }
}
