import type { Config } from '../config/env.ts'
import type { Logger } from '../log.ts'
import { freePort } from '../net/free-port.ts'
import type { StopList } from '../stop-list.ts'
import { startWithDatabase } from '../start-with-database.ts'
import { WEBHOOK_PATH } from '../web/http-server.ts'
import { startEmulatedGitHub, type EmulatedGitHub } from './emulated-github.ts'
import { sandboxConsoleFor } from './sandbox-console.ts'
import { seedDemoIssues } from './seed-demo-issues.ts'
import type { ModelOptions } from '../gaffer-options.ts'
import { startModel } from '../llm/start-model.ts'
import { REHEARSAL_NAME } from '../llm/rehearsal/rehearsal-model.ts'

export type Sandbox = {
  dashboardUrl: string
  github: EmulatedGitHub
  /** The model agents ask: the configured one, or the rehearsal model when none is. */
  model: ModelOptions
}

/**
 * `npm start` without GitHub App credentials: an emulated GitHub, a Postgres
 * (embedded unless DATABASE_URL is set) and Gaffer wired to both. Each part is added
 * to `stops` as it starts, so a failure (or the caller, on a signal) stops what is up.
 */
export async function runSandbox(config: Config, log: Logger, stops: StopList): Promise<Sandbox> {
  try {
    const port = config.port === 0 ? await freePort() : config.port
    const github = await startEmulatedGitHub({ webhookUrl: `http://127.0.0.1:${port}${WEBHOOK_PATH}` })
    stops.add('emulated github', () => github.emulator.close())
    // No model configured: the rehearsal model plays the agents, so the company is seen working (SPEC §16).
    const model = await startModel(config, 'sandbox', log, stops)
    const gaffer = await startWithDatabase(config, log, stops, {
      model,
      app: github.app,
      githubApiUrl: github.url,
      port,
      host: '127.0.0.1',
      // The demo maintainer owns the demo company unless GAFFER_OWNERS says otherwise.
      owners: config.owners.length > 0 ? config.owners : [github.maintainer.login],
      // The emulated GitHub has no secondary rate limits to stay clear of.
      settings: { writeSpacingMs: 100 },
      // The dashboard's console acts as the demo people on the emulated GitHub.
      sandboxConsole: sandboxConsoleFor(github),
    })
    await seedDemoIssues(github)
    return { dashboardUrl: `${gaffer.url}/gaffer`, github, model }
  } catch (error) {
    await stops.stopAll()
    throw error
  }
}

export function sandboxBanner(sandbox: Sandbox): string {
  const { github } = sandbox
  const model = sandbox.model.rehearsal
    ? `${REHEARSAL_NAME}: agents follow fixed rules (set OPENAI_API_KEY or OPENAI_BASE_URL for a real model)`
    : `${sandbox.model.defaultModel} at ${sandbox.model.baseUrl ?? 'api.openai.com'}`
  return [
    '',
    'Gaffer sandbox is running (no GitHub App credentials set, so GitHub is emulated).',
    '',
    `  Dashboard        ${sandbox.dashboardUrl}`,
    `  State (JSON)     ${sandbox.dashboardUrl}/api/state`,
    `  Emulated GitHub  ${github.url}   repository ${github.repository}`,
    `  Model            ${model}`,
    '',
    `  Act as ${github.maintainer.login} (write access):  ${github.maintainer.token}`,
    `  Act as ${github.outsider.login} (no access):       ${github.outsider.token}`,
    '',
    '  Watch the goal #1 become child issues, pull requests and reviews on the dashboard;',
    "  a reviewed pull request then waits for a person. Approve one as maya from the dashboard's",
    '  Console tab (comment /approve on it), or with curl:',
    `    curl -s -H "Authorization: Bearer ${github.maintainer.token}" \\`,
    `      ${github.url}/repos/${github.repository}/issues/<pull request number>/comments \\`,
    `      -d '{"body":"/approve"}'`,
    '',
    '  Open an issue as maya (the Console tab, or curl) and watch Gaffer route it:',
    `    curl -s -H "Authorization: Bearer ${github.maintainer.token}" \\`,
    `      ${github.url}/repos/${github.repository}/issues \\`,
    `      -d '{"title":"Add a search box","labels":["area:frontend"]}'`,
    '',
    'Stop with Ctrl+C.',
    '',
  ].join('\n')
}
