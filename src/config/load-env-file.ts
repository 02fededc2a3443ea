import { existsSync } from 'node:fs'
import path from 'node:path'

/**
 * Reads `.env` in `dir` into `process.env`, for `npm start` and the `gaffer` command alike:
 * a variable already set in the environment wins over the file. Returns the file's path,
 * or undefined when there is none.
 */
export function loadEnvFile(dir = process.cwd()): string | undefined {
  const file = path.join(dir, '.env')
  if (!existsSync(file)) return undefined
  process.loadEnvFile(file)
  return file
}
