/** What the rehearsal model answers in one turn: tool calls, or a plain answer that ends the session. */
export type RehearsalTurn = { calls: RehearsalCall[] } | { text: string }

export type RehearsalCall = { name: string; arguments: Record<string, unknown> }

/** A turn of tool calls; the calls of tools not offered are left out, so the model never asks for a tool it lacks. */
export function callTools(offered: readonly string[], ...calls: Array<RehearsalCall | undefined>): RehearsalTurn {
  const held = calls.filter((call): call is RehearsalCall => call !== undefined && offered.includes(call.name))
  return held.length > 0 ? { calls: held } : { text: 'Nothing to do with the tools I hold.' }
}
