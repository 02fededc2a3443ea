import { composeConfigGet } from '@probot/octokit-plugin-config'
import { SETTINGS_PATH } from '../config/repository-settings.ts'
import type { SettingsSource } from '../config/resolve-repository-settings.ts'
import { splitRepository, type Octokit } from './octokit.ts'

type LoaderOctokit = Parameters<typeof composeConfigGet>[0]

const PLUGIN_PREFIX = '[@probot/octokit-plugin-config] '

/**
 * A repository's settings files as Probot apps find theirs (`@probot/octokit-plugin-config`):
 * `.github/gaffer.yml` on the default branch, else the same path in the owner's `.github`
 * repository, then each file an `_extends` names, nearest first. An empty list: no file at
 * all. A file the loader cannot read as settings (bad YAML, a folder, an `_extends` loop)
 * comes back as `unreadable` with the loader's reason, and so does an `_extends` that names a
file the app cannot read (silently dropping it would apply settings the repository did not ask for); a GitHub outage is thrown, so it is
 * never mistaken for a bad file.
 */
export async function readRepositorySettings(
  octokit: Octokit,
  fullName: string,
  defaultBranch: string,
): Promise<{ sources: SettingsSource[] } | { unreadable: { field: string; message: string } }> {
  const { owner, repo } = splitRepository(fullName)
  try {
    const { files } = await composeConfigGet(rawAsText(octokit), { owner, repo, path: SETTINGS_PATH, branch: defaultBranch })
    // The loader reads the repository's file, then (without one) the org's; every file after those an `_extends` named.
    const missing = files.slice(files[0]?.config === null ? 2 : 1).find((file) => file.config === null)
    if (missing) {
      return {
        unreadable: {
          field: '_extends',
          message: `names ${missing.owner}/${missing.repo}:${missing.path}, which does not exist or this app cannot read; correct the name, or install the app on that repository`,
        },
      }
    }
    return {
      sources: files.filter((file) => file.config !== null).map((file) => ({ file: `${file.owner}/${file.repo}:${file.path}`, data: file.config })),
    }
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(PLUGIN_PREFIX)) {
      return { unreadable: { field: '(file)', message: error.message.slice(PLUGIN_PREFIX.length) } }
    }
    throw error
  }
}

/**
 * The loader asks for files in GitHub's raw format and expects text; a server that labels
 * raw bytes `application/octet-stream` (some proxies and GitHub stand-ins do) would hand it
 * an ArrayBuffer, so such a body is decoded as UTF-8 first. Only the loader's requests
 * pass through here.
 */
function rawAsText(octokit: Octokit): LoaderOctokit {
  const request = Object.assign(
    async (...args: Parameters<Octokit['request']>) => {
      const response = await octokit.request(...args)
      return response.data instanceof ArrayBuffer ? { ...response, data: new TextDecoder().decode(response.data) } : response
    },
    { endpoint: octokit.request.endpoint },
  )
  return { request } as unknown as LoaderOctokit
}
