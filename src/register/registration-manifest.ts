import type { AppManifest } from '../config/app-manifest.ts'
import { WEBHOOK_PATH } from '../web/http-server.ts'

/** The manifest GitHub's form receives: app.yml with this server's webhook URL and the local page to come back to. */
export type RegistrationManifest = Omit<AppManifest, 'hook_attributes'> & {
  hook_attributes: { url: string; active: boolean }
  redirect_url: string
}

export function registrationManifest(
  manifest: AppManifest,
  options: { webhookUrl: string; redirectUrl: string; name?: string },
): RegistrationManifest {
  return {
    ...manifest,
    name: options.name ?? manifest.name,
    hook_attributes: { url: options.webhookUrl, active: true },
    redirect_url: options.redirectUrl,
  }
}

/**
 * `--webhook-url`: where GitHub will deliver webhooks. An address without a path gets
 * Gaffer's webhook path; one GitHub could never reach (this machine's loopback) is refused.
 */
export function parseWebhookUrl(value: string | undefined): { url: string } | { problem: string } {
  const example = `e.g. --webhook-url https://gaffer.example.com${WEBHOOK_PATH}`
  if (value === undefined || value.trim() === '') {
    return { problem: `gaffer register needs --webhook-url: the address where GitHub will send Gaffer's webhooks, ${example}` }
  }
  if (!URL.canParse(value.trim()) || !/^https?:$/.test(new URL(value.trim()).protocol)) {
    return { problem: `--webhook-url: expected an absolute https:// URL, ${example} (got ${JSON.stringify(value)})` }
  }
  const url = new URL(value.trim())
  if (['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.')) {
    return {
      problem: `--webhook-url: GitHub cannot reach ${url.host}, this machine's own loopback address; give the public address of the server Gaffer will run on, ${example}`,
    }
  }
  if (url.pathname === '/') url.pathname = WEBHOOK_PATH
  return { url: url.toString() }
}
