/**
 * A parsed JSON object from a client or a provider, read field by field where it is used (wire
 * formats the gateway passes through and only partly understands, so a full type would lie).
 */
// deno-lint-ignore no-explicit-any
export type LooseObject = Record<string, any>;
