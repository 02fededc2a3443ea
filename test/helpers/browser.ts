import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`), or CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Browser tests run where Chromium is installed, and must run where GAFFER_REQUIRE_BROWSER
 * is set (CI installs Chromium and sets it), so a missing browser never passes silently there.
 */
export const runBrowserTests = existsSync(chromiumPath) || Boolean(process.env.GAFFER_REQUIRE_BROWSER)

/** Headless Chromium driven by playwright-core; no browser download, no network beyond loopback. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`)
  }
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Root has no user namespace sandbox here; the rest keeps Chromium off the (closed) network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
