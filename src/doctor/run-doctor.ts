import { statSync } from 'node:fs'
import { appManifestPath, readAppManifest } from '../config/app-manifest.ts'
import { ConfigError, loadConfig } from '../config/env.ts'
import { createLogger, type Logger } from '../log.ts'
import { checkDatabase } from './check-database.ts'
import { checkGitHubApp } from './check-github-app.ts'
import { checkModel } from './check-model.ts'
import { checkRuntimes } from './check-runtimes.ts'
import type { DoctorLine } from './doctor-line.ts'
import { environmentVerdict, type SecretFile } from './environment-verdict.ts'
import { webhookSecretVerdict } from './webhook-secret-verdict.ts'

export type DoctorInput = {
  env: NodeJS.ProcessEnv
  /** The `.env` file the command read into `env`, if it read one. */
  envFile?: string
  /** The manifest the App is compared with; app.yml by default. */
  manifestPath?: string
  log?: Logger
  modelTimeoutMs?: number
}

/**
 * Every check of `gaffer doctor`, in the order they are printed: the environment, the
 * webhook secret, the database, the GitHub App and its installations, the model server,
 * the CLI runtimes. A configuration that does not load stops there: the rest depend on it.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorLine[]> {
  const files = { envFile: secretFile(input.envFile), keyFile: secretFile(input.env.PRIVATE_KEY_PATH?.trim() || undefined) }
  let config
  try {
    config = loadConfig(input.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    return [
      ...environmentVerdict(error.problems, files),
      {
        verdict: 'WARN',
        check: 'doctor',
        text: 'the other checks need a configuration that loads',
        fix: 'fix the lines above, then run gaffer doctor again',
      },
    ]
  }
  const manifestPath = input.manifestPath ?? appManifestPath
  let manifest
  try {
    manifest = await readAppManifest(manifestPath)
  } catch (error) {
    return [
      ...environmentVerdict([], files),
      { verdict: 'FAIL', check: 'app.yml', text: `cannot read the App manifest: ${(error as Error).message}` },
    ]
  }
  const log = input.log ?? createLogger('silent')
  const [database, github, model, runtimes] = await Promise.all([
    checkDatabase(config),
    checkGitHubApp({ app: config.githubApp, githubApiUrl: config.githubApiUrl, manifest, log }),
    checkModel(config.openai, input.modelTimeoutMs),
    checkRuntimes(config.cli, input.env),
  ])
  return [...environmentVerdict([], files), webhookSecretVerdict(config.githubApp?.webhookSecret), ...database, ...github, model, ...runtimes]
}

function secretFile(file: string | undefined): SecretFile | undefined {
  if (file === undefined) return undefined
  try {
    return { path: file, mode: statSync(file).mode }
  } catch {
    return undefined
  }
}
