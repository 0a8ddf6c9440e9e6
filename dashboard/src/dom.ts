/**
 * A tiny element builder. Text always goes in as text nodes (never innerHTML), so whatever a model,
 * a client or an attacker put into a logged call is shown, not executed.
 */
export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything in `el` with `children`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A loading placeholder, announced to screen readers. */
export function loading(what = "Loading"): HTMLElement {
  return h(
    "div",
    { class: "state", role: "status" },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    `${what}…`,
  );
}

/** An error box with a retry button. */
export function failure(err: unknown, retry?: () => void): HTMLElement {
  const message = err instanceof Error ? err.message : String(err);
  return h(
    "div",
    { class: "state error", role: "alert" },
    h("p", {}, `Could not load this: ${message}`),
    retry && h("button", { class: "btn secondary", type: "button", onclick: () => retry() }, "Try again"),
  );
}

/** A labelled form control: a <label for> tied to the control, so it has an accessible name. */
export function field(label: string, control: HTMLInputElement | HTMLSelectElement): HTMLElement {
  control.id ||= `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control);
}

export function select(name: string, options: [string, string][], value: string): HTMLSelectElement {
  const el = h("select", { name });
  for (const [v, label] of options) el.appendChild(h("option", { value: v, selected: v === value }, label));
  return el;
}
