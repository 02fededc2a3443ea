/** OK: as it should be. WARN: works, but worth a look. FAIL: Gaffer cannot work as configured. */
export type Verdict = 'OK' | 'WARN' | 'FAIL'

/** One finding of `gaffer doctor`: which check, what it found, and for WARN and FAIL what to do about it. */
export type DoctorLine = { verdict: Verdict; check: string; text: string; fix?: string }

/** The report as printed: one line per finding, its fix under it, and a count at the end. */
export function formatDoctorReport(lines: readonly DoctorLine[]): string {
  const width = Math.max(0, ...lines.map((line) => line.check.length))
  const indent = ' '.repeat(6 + width + 2)
  const body = lines.map((line) => {
    const head = `${line.verdict.padEnd(6)}${line.check.padEnd(width)}  ${line.text}`
    return line.fix ? `${head}\n${indent}fix: ${line.fix}` : head
  })
  const failures = lines.filter((line) => line.verdict === 'FAIL').length
  const warnings = lines.filter((line) => line.verdict === 'WARN').length
  const summary =
    failures === 0 && warnings === 0
      ? 'Everything checked is OK.'
      : `${plural(failures, 'problem')} to fix (FAIL), ${plural(warnings, 'warning')} (WARN).`
  return `${body.join('\n')}\n\n${summary}\n`
}

/** Non-zero when anything failed, so a deploy script can stop on it. */
export function doctorExitCode(lines: readonly DoctorLine[]): 0 | 1 {
  return lines.some((line) => line.verdict === 'FAIL') ? 1 : 0
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
