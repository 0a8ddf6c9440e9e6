import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/fixtures.ts";

describe("waitFor (test helper)", () => {
  it("polls until the value is truthy and returns it", async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls < 3 ? 0 : { calls }), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it("fails after the timeout, naming what it waited for", async () => {
    await expect(waitFor(() => null, { timeoutMs: 20, intervalMs: 5, what: "the row" }))
      .rejects.toThrow("timed out waiting for the row");
  });
});
