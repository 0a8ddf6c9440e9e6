import { describe, expect, it } from "vitest";
import { Deadlines } from "../../functions/_shared/gateway/upstream.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Deadlines (the upstream timeouts on one timer)", () => {
  it("expires each deadline once, in order, and never a cleared one", async () => {
    const d = new Deadlines();
    const fired: string[] = [];
    d.add(30, () => fired.push("a"));
    const b = d.add(30, () => fired.push("b"));
    d.add(60, () => fired.push("c"));
    b.clear();
    expect(d.pending).toBe(2);
    await sleep(45);
    expect(fired).toEqual(["a"]);
    await sleep(40);
    expect(fired).toEqual(["a", "c"]);
    expect(d.pending).toBe(0);
  });

  it("does not wait on a cleared head to expire the deadlines behind it", async () => {
    const d = new Deadlines();
    const fired: string[] = [];
    const head = d.add(20, () => fired.push("head"));
    d.add(25, () => fired.push("next"));
    head.clear();
    await sleep(60);
    expect(fired).toEqual(["next"]);
  });

  it("keeps a shorter deadline added after a longer one exact", async () => {
    const d = new Deadlines();
    const fired: string[] = [];
    d.add(200, () => fired.push("long"));
    d.add(10, () => fired.push("short"));
    await sleep(50);
    expect(fired).toEqual(["short"]);
    await sleep(200);
    expect(fired).toEqual(["short", "long"]);
  });

  it("forgets cleared deadlines, however many", () => {
    const d = new Deadlines();
    const all = Array.from({ length: 5000 }, () => d.add(10_000, () => {}));
    for (const x of all) x.clear();
    expect(d.pending).toBe(0);
  });
});
