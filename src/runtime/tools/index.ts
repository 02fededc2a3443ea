import { z } from 'zod'
import type { ChatCompletionTool } from 'openai/resources/chat/completions'
import type { Agent } from '../../roster/schema.ts'
import type { Tool } from '../tool.ts'
import { comment } from './comment.ts'
import { delegate } from './delegate.ts'
import { listFiles, readFile } from './files.ts'
import { escalate, unblock } from './manage-reports.ts'
import { proposeChange } from './propose-change.ts'
import { readPullRequestTool } from './read-pull-request.ts'
import { readIssue, searchIssues } from './read-items.ts'
import { requestApproval } from './request-approval.ts'
import { reviewPullRequest } from './review-pull-request.ts'
import { setStatus } from './set-status.ts'

export const allTools: readonly Tool[] = [
  comment,
  delegate,
  setStatus,
  requestApproval,
  readIssue,
  searchIssues,
  listFiles,
  readFile,
  proposeChange,
  reviewPullRequest,
  readPullRequestTool,
  unblock,
  escalate,
] as Tool[]

/** The tools an agent holds, each offered to the model with its zod schema as JSON Schema. */
export function offeredTools(agent: Agent): { tools: Map<string, Tool>; definitions: ChatCompletionTool[] } {
  const tools = new Map(allTools.filter((tool) => agent.tools.includes(tool.name)).map((tool) => [tool.name, tool]))
  const definitions = [...tools.values()].map((tool) => ({
    type: 'function' as const,
    function: { name: tool.name, description: tool.description, parameters: z.toJSONSchema(tool.parameters) as Record<string, unknown> },
  }))
  return { tools, definitions }
}
