import { cp, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { shippedAgentsDir } from '../../src/roster/load-roster.ts'

/**
 * The shipped org copied to `<dir>/agents`, with `agent` working on the CLI runtime
 * `runtime` (a `runtime:` line added to its AGENTS.md front matter). Returns the folder,
 * for `agentsDir`.
 */
export async function orgWithRuntime(dir: string, agent: string, runtime: string): Promise<string> {
  const agentsDir = path.join(dir, 'agents')
  await cp(shippedAgentsDir, agentsDir, { recursive: true })
  const file = path.join(agentsDir, agent, 'AGENTS.md')
  const text = await readFile(file, 'utf8')
  if (!text.startsWith('---\n')) throw new Error(`${file} has no front matter to add runtime: ${runtime} to`)
  await writeFile(file, `---\nruntime: ${runtime}\n${text.slice('---\n'.length)}`)
  return agentsDir
}
