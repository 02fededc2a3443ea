import { z } from 'zod'
import type { Octokit } from './octokit.ts'

/** One attempt of GitHub to deliver a webhook to the app; `guid` is the X-GitHub-Delivery id. */
export const HookDelivery = z.object({
  id: z.number(),
  guid: z.string(),
  delivered_at: z.string(),
  redelivery: z.boolean(),
  status_code: z.number(),
  event: z.string(),
})
export type HookDelivery = z.infer<typeof HookDelivery>

/** The app's most recent webhook attempts, newest first, as GitHub records them (one page). */
export async function listHookDeliveries(appOctokit: Pick<Octokit, 'request'>, perPage = 100): Promise<HookDelivery[]> {
  const { data } = await appOctokit.request('GET /app/hook/deliveries', { per_page: perPage })
  return z.array(HookDelivery).parse(data)
}
