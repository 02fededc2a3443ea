import { priorityIn } from './labels.ts'

export type PriorityInput = {
  labels: readonly string[]
  createdAt: Date
  /** Open ancestors waiting on this item: finishing it moves each of them. */
  unblocks: number
  /** Hops up the parent chain to a `gaffer:goal` item; undefined when no goal is above it. */
  goalDistance: number | undefined
  depth: number
  /** The model's judgment of the item (SPEC §17), when one was asked for its current text. */
  judgment?: ModelAdjustment | undefined
}

/** What a model judgment adds to the formula: at most ±300 points, and why in one line. */
export type ModelAdjustment = { adjustment: number; why: string }

export const MAX_MODEL_ADJUSTMENT = 300

export type Priority = { score: number; reason: string }

const labelBase = { 0: 700, 1: 500, 2: 300, 3: 100 } as const
const UNLABELLED_BASE = 250

/**
 * The deterministic priority of SPEC §10, 0–1000, with a one-line reason:
 * the label sets the band, and age, what it unblocks, how close it is to a goal
 * and how deep it sits adjust within it; a model's judgment moves the sum by at most ±300
 * and says why after "model:". `now` is passed in, never read.
 */
export function scorePriority(input: PriorityInput, now: Date): Priority {
  const label = priorityIn(input.labels)
  const parts: Array<[string, number]> = [
    [label === undefined ? 'no priority label' : `p${label}`, label === undefined ? UNLABELLED_BASE : labelBase[label]],
  ]
  const ageDays = Math.max(0, Math.floor((now.getTime() - input.createdAt.getTime()) / 86_400_000))
  if (ageDays > 0) parts.push([`${ageDays}d old`, Math.min(ageDays, 100)])
  if (input.unblocks > 0) parts.push([`unblocks ${input.unblocks}`, Math.min(input.unblocks * 50, 150)])
  if (input.goalDistance !== undefined) parts.push([`${input.goalDistance} from a goal`, Math.max(0, 100 - 20 * input.goalDistance)])
  if (input.depth > 0) parts.push([`depth ${input.depth}`, Math.min(input.depth * 10, 50)])
  const judgment = input.judgment
  const adjustment = judgment ? Math.max(-MAX_MODEL_ADJUSTMENT, Math.min(MAX_MODEL_ADJUSTMENT, Math.round(judgment.adjustment))) : 0
  if (judgment) parts.push(['model', adjustment])
  const total = parts.reduce((sum, [, points]) => sum + points, 0)
  const score = Math.max(0, Math.min(1000, total))
  const signed = (points: number) => (points < 0 ? `${points}` : `+${points}`)
  const reason = parts.map(([what, points], index) => (index === 0 ? `${what} ${points}` : `${what} ${signed(points)}`)).join(', ')
  return { score, reason: `${reason} = ${score}${judgment ? `; model: ${judgment.why}` : ''}` }
}
