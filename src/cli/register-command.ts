import { parseArgs } from 'node:util'
import { readAppManifest } from '../config/app-manifest.ts'
import { parseWebhookUrl } from '../register/registration-manifest.ts'
import { registrationTarget } from '../register/registration-target.ts'
import { startRegistration } from '../register/start-registration.ts'

export const registerUsage = `gaffer register --webhook-url https://<your host>/api/github/webhooks
                 [--org <organization>] [--github-url https://<GitHub Enterprise Server>] [--name <App name>]
                 [--env-file .env] [--port <local port>] [--force]`

/**
 * `gaffer register`: registers the GitHub App from app.yml through GitHub's manifest flow
 * and writes its credentials to `.env`. Returns 2 for bad options, 1 when the flow failed.
 */
export async function registerCommand(args: string[]): Promise<number> {
  let values
  try {
    ;({ values } = parseArgs({
      args,
      options: {
        'webhook-url': { type: 'string' },
        org: { type: 'string' },
        'github-url': { type: 'string' },
        name: { type: 'string' },
        'env-file': { type: 'string', default: '.env' },
        port: { type: 'string', default: '0' },
        force: { type: 'boolean', default: false },
      },
    }))
  } catch (error) {
    process.stderr.write(`gaffer register: ${(error as Error).message}\n\nusage: ${registerUsage}\n`)
    return 2
  }
  const webhook = parseWebhookUrl(values['webhook-url'])
  const target = registrationTarget({ githubUrl: values['github-url'], org: values.org })
  const port = Number(values.port)
  const problems = [
    ...('problem' in webhook ? [webhook.problem] : []),
    ...('problem' in target ? [target.problem] : []),
    ...(Number.isInteger(port) && port >= 0 && port <= 65535
      ? []
      : [`--port: expected a TCP port from 0 to 65535 (got ${JSON.stringify(values.port)})`]),
  ]
  if ('problem' in webhook || 'problem' in target || problems.length > 0) {
    process.stderr.write(`${problems.map((problem) => `gaffer register: ${problem}`).join('\n')}\n\nusage: ${registerUsage}\n`)
    return 2
  }

  const registration = await startRegistration({
    manifest: await readAppManifest(),
    webhookUrl: webhook.url,
    target,
    envFile: values['env-file'],
    force: values.force,
    name: values.name,
    port,
  })
  const localPort = new URL(registration.pageUrl).port
  process.stdout.write(`Open this page in a browser on this machine to register Gaffer as a GitHub App:

  ${registration.pageUrl}

It posts app.yml to ${new URL(target.newAppUrl).origin}; GitHub asks you to name and create the App, then
sends you back to this machine. (No browser here? Run gaffer register --port ${localPort} over
ssh -L ${localPort}:127.0.0.1:${localPort} and open the page on your own computer.)

Waiting for GitHub... (Ctrl+C gives up)\n`)
  try {
    const app = await registration.registered
    const change = {
      created: `Wrote ${app.envFile} (mode 600)`,
      added: `Added the App's credentials to ${app.envFile}, keeping its other lines (mode 600)`,
      replaced: `Replaced the App's credentials in ${app.envFile} (mode 600); the file as it was is ${app.backup}`,
    }[app.envChange]
    process.stdout.write(`
Registered the GitHub App "${app.name}" (App ID ${app.appId}): ${app.htmlUrl}
${change}: APP_ID, WEBHOOK_SECRET and PRIVATE_KEY.

Next:
  1. Install the App on the repositories Gaffer should run: ${app.htmlUrl}/installations/new
  2. Make sure DATABASE_URL is set, in ${app.envFile} or in the environment (which wins over the file)
  3. gaffer doctor to check everything, then npm start
`)
    return 0
  } catch (error) {
    process.stderr.write(`gaffer register: ${(error as Error).message}\n`)
    return 1
  }
}
