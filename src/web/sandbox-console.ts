import type { IncomingMessage, ServerResponse } from 'node:http'
import { z } from 'zod'
import type { PersonActions } from '../github/act-as-person.ts'
import { httpStatus } from '../github/octokit.ts'
import { readJsonBody } from './read-json-body.ts'
import { sendJson } from './send.ts'

/** The people a sandbox console acts as, each with what it may do on the emulated GitHub. */
export type SandboxConsole = {
  repository: string
  people: Array<{ login: string; name: string; access: 'write' | 'none'; actions: PersonActions }>
}

const limitedText = (max: number) => z.string().max(max, `must be at most ${max} characters`)

/**
 * The sandbox console's API (`/gaffer/api/console/...`): act as a demo person on the
 * emulated GitHub — open an issue with labels, comment (commands included), approve a pull
 * request — and read an issue's labels and comments back. It exists only in the sandbox:
 * the app never holds a person's token.
 */
export function createConsoleRoutes(sandbox: SandboxConsole) {
  const As = z.string().refine((login) => sandbox.people.some((person) => person.login === login), {
    message: `must be one of ${sandbox.people.map((person) => person.login).join(', ')}`,
  })
  const schemas = {
    issue: z.object({
      as: As,
      title: limitedText(256).trim().min(1, 'must not be empty'),
      body: limitedText(65_536).default(''),
      labels: z
        .union([z.array(limitedText(50)), z.string()])
        .default([])
        .transform((labels) => (typeof labels === 'string' ? labels.split(',') : labels).map((label) => label.trim()).filter(Boolean)),
    }),
    comment: z.object({ as: As, body: limitedText(65_536).trim().min(1, 'must not be empty') }),
    approval: z.object({ as: As, body: limitedText(65_536).default('') }),
  }
  const person = (login: string) => sandbox.people.find((p) => p.login === login)!.actions
  const reader = sandbox.people.find((p) => p.access === 'write') ?? sandbox.people[0]!

  /** Answers a console request; false when the path is not the console's. */
  return async function route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const rest = pathname.slice('/gaffer/api/console'.length)
    const get = req.method === 'GET'
    const post = req.method === 'POST'
    const issue = /^\/issues\/(\d{1,9})$/.exec(rest)
    const comments = /^\/issues\/(\d{1,9})\/comments$/.exec(rest)
    const approvals = /^\/pulls\/(\d{1,9})\/approvals$/.exec(rest)
    const github = async (act: () => Promise<unknown>, status = 200) => {
      try {
        sendJson(res, status, await act())
      } catch (error) {
        const code = httpStatus(error)
        if (code === undefined) throw error
        sendJson(res, code === 404 ? 404 : 422, { error: `GitHub refused: ${(error as Error).message}` })
      }
    }
    if (rest === '' && get) {
      sendJson(res, 200, { repository: sandbox.repository, people: sandbox.people.map(({ login, name, access }) => ({ login, name, access })) })
    } else if (rest === '/issues' && get) {
      await github(() => reader.actions.recent())
    } else if (rest === '/issues' && post) {
      const body = await readJsonBody(req, schemas.issue)
      await github(() => person(body.as).openIssue(body), 201)
    } else if (issue && get) {
      await github(() => reader.actions.timeline(Number(issue[1])))
    } else if (comments && post) {
      const body = await readJsonBody(req, schemas.comment)
      await github(() => person(body.as).comment(Number(comments[1]), body.body), 201)
    } else if (approvals && post) {
      const body = await readJsonBody(req, schemas.approval)
      await github(() => person(body.as).approve(Number(approvals[1]), body.body), 201)
    } else return false
    return true
  }
}
