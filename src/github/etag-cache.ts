import { httpStatus, type Octokit } from './octokit.ts'

/**
 * Conditional GETs (ETag / If-None-Match): an unchanged resource answers 304, which
 * GitHub does not count against the rate limit. Keeps the newest `capacity` entries.
 */
export function createEtagCache(capacity = 5000) {
  const entries = new Map<string, { etag: string; data: unknown }>()
  return {
    /** Returns the resource and whether it changed since the last read through this cache. */
    async get(octokit: Octokit, route: string, parameters: Record<string, unknown>): Promise<{ data: unknown; changed: boolean }> {
      const key = `${route} ${JSON.stringify(parameters)}`
      const cached = entries.get(key)
      try {
        const response = await octokit.request(route, {
          ...parameters,
          headers: cached ? { 'if-none-match': cached.etag } : {},
        })
        const etag = response.headers.etag
        entries.delete(key)
        if (etag) entries.set(key, { etag, data: response.data })
        if (entries.size > capacity) entries.delete(entries.keys().next().value as string)
        return { data: response.data, changed: true }
      } catch (error) {
        if (httpStatus(error) !== 304 || !cached) throw error
        return { data: cached.data, changed: false }
      }
    },
  }
}

export type EtagCache = ReturnType<typeof createEtagCache>
