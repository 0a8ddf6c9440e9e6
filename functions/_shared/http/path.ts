/**
 * The part of a request path after `/<function name>`. Supabase's gateway serves functions under
 * `/functions/v1/<name>`; handlers accept the path with or without that prefix, so the same
 * handler runs behind the platform and behind the local server, which passes requests through as
 * received. Null when the path does not belong to the function.
 */
export function functionSubpath(pathname: string, name: string): string | null {
  const base = pathname.startsWith("/functions/v1/") ? pathname.slice("/functions/v1".length) : pathname;
  if (base === `/${name}`) return "";
  return base.startsWith(`/${name}/`) ? base.slice(name.length + 1) : null;
}
