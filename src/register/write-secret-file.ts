import { randomBytes } from 'node:crypto'
import { chmod, rename, rm, writeFile } from 'node:fs/promises'

/**
 * Writes a file only its owner may read or write (mode 600), whole or not at all: the text
 * goes to a new file beside it, created with that mode, and is renamed over the old one.
 */
export async function writeSecretFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' })
    // The mode passed at creation is narrowed by the umask, never widened; this makes it exact.
    await chmod(temporary, 0o600)
    await rename(temporary, file)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}
