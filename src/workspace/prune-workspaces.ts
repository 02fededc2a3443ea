import { readdir, readFile, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { STATE_FILE, workspacesDir, type WorkspaceState } from './workspace.ts'

/** How long a failed run's workspace is kept for a person to look into. */
export const KEEP_FAILED_MS = 24 * 60 * 60_000

/**
 * Deletes the workspaces a failed run left more than 24 h ago, and those older than
 * 24 h that no run finished (the process died mid-run; no run lasts that long).
 * Returns the names it deleted.
 */
export async function pruneWorkspaces(home: string, now: Date): Promise<string[]> {
  const parent = workspacesDir(home)
  let names: string[]
  try {
    names = await readdir(parent)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const deleted: string[] = []
  for (const name of names) {
    const state = await readWorkspaceState(path.join(parent, name, STATE_FILE))
    const since = state?.failedAt ?? state?.createdAt
    // Without a state file (being made this instant, or its making failed half-way) the folder's own time counts.
    const at = since === undefined ? (await stat(path.join(parent, name))).mtimeMs : Date.parse(since)
    if (now.getTime() - at < KEEP_FAILED_MS) continue
    await rm(path.join(parent, name), { recursive: true, force: true })
    deleted.push(name)
  }
  return deleted
}

async function readWorkspaceState(file: string): Promise<Partial<WorkspaceState> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Partial<WorkspaceState>
  } catch {
    return undefined
  }
}
