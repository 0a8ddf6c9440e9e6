// Plain-language reading of the numbers: what bounds each result (filled from the measured runs).
import type { AllResults } from "./report.ts";

export function analysis(_all: AllResults): string | undefined {
  return undefined;
}
