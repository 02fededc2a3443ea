import { createHash, randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'

/** A verified delivery kept on local disk while the database could not take it. */
export const SpooledDelivery = z.object({ deliveryId: z.string(), event: z.string(), body: z.string() })
export type SpooledDelivery = z.infer<typeof SpooledDelivery>

/**
 * Writes a verified delivery to `dir`, one file per body, so it survives a crash: the
 * file is written under a temporary name, flushed to disk, then renamed into place
 * (a rename is atomic, so a reader never sees half a file) and the directory flushed.
 * The name is the body's hash, so a replay spooled twice is one file.
 */
export async function spoolDelivery(dir: string, delivery: SpooledDelivery): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const name = `${createHash('sha256').update(delivery.body).digest('hex')}.json`
  const temporary = path.join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`)
  const file = await open(temporary, 'w', 0o600)
  try {
    await file.writeFile(JSON.stringify(delivery))
    await file.sync()
  } finally {
    await file.close()
  }
  await rename(temporary, path.join(dir, name))
  const folder = await open(dir, 'r')
  try {
    await folder.sync()
  } finally {
    await folder.close()
  }
  return name
}

/** The spooled deliveries, oldest name first; a file that cannot be read is reported, not dropped. */
export async function listSpool(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw error
  })
  return names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort()
}

export async function readSpooled(dir: string, name: string): Promise<SpooledDelivery> {
  return SpooledDelivery.parse(JSON.parse(await readFile(path.join(dir, name), 'utf8')))
}

/** Removes a spooled delivery; called only after its row is committed. */
export async function removeSpooled(dir: string, name: string): Promise<void> {
  await unlink(path.join(dir, name)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
  })
}

/** Where spooled deliveries that can never be recorded are kept, inside the spool directory. */
export const FAILED_SPOOL_DIR = 'failed'

/** Moves a spooled delivery that cannot be recorded to `failed/`, out of every later replay. */
export async function moveSpooledAside(dir: string, name: string): Promise<void> {
  await mkdir(path.join(dir, FAILED_SPOOL_DIR), { recursive: true, mode: 0o700 })
  await rename(path.join(dir, name), path.join(dir, FAILED_SPOOL_DIR, name))
}
