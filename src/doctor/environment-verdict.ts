import type { DoctorLine } from './doctor-line.ts'

/** A file holding secrets that Gaffer read: the `.env` file, the private key of PRIVATE_KEY_PATH. */
export type SecretFile = { path: string; mode: number }

/**
 * Whether the environment loads, in env.ts's own words (one line per bad variable, each
 * naming the fix), and whether a file of secrets is open to other users of the machine.
 */
export function environmentVerdict(problems: readonly string[], files: { envFile?: SecretFile; keyFile?: SecretFile }): DoctorLine[] {
  const lines: DoctorLine[] =
    problems.length > 0
      ? problems.map((problem) => ({ verdict: 'FAIL', check: 'environment', text: problem }))
      : [{ verdict: 'OK', check: 'environment', text: `the configuration loads${files.envFile ? ` (with ${files.envFile.path})` : ''}` }]
  for (const file of [files.envFile, files.keyFile]) {
    if (file && (file.mode & 0o077) !== 0) {
      lines.push({
        verdict: 'WARN',
        check: 'environment',
        text: `${file.path} holds secrets and other users of this machine may read it (mode ${(file.mode & 0o777).toString(8)})`,
        fix: `chmod 600 ${file.path}`,
      })
    }
  }
  return lines
}
