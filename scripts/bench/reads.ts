import type postgres from "postgres";
export interface ReadsScale {
  rows: number; loadS: number; vacuumS: number; tableMiB: number; indexMiB: number;
  rlsMedianMs: number; serviceMedianMs: number; costChartMedianMs: number; costChartServiceMedianMs: number; p95MedianMs: number;
  plans: { rls: string; service: string; cost: string; costService: string; p95: string };
}
export interface ReadsResult { repeats: number; scales: ReadsScale[]; notes: string[] }
export async function runReads(_o: { sql: postgres.Sql; dbUrl: string; log: (s: string) => void }): Promise<ReadsResult | undefined> {
  return undefined;
}
