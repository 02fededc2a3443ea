import type { DatabaseStatus } from '../store/database-status.ts'
import type { DoctorLine } from './doctor-line.ts'

/** What the database check found: no DATABASE_URL, an error connecting or reading, or the status. */
export type DatabaseProbe =
  | { kind: 'embedded'; home: string }
  | { kind: 'error'; where: string; message: string; code: string | undefined }
  | { kind: 'status'; where: string; status: DatabaseStatus }

/** The database lines: reachable (and the server's version), then the migrations. */
export function databaseVerdict(probe: DatabaseProbe): DoctorLine[] {
  if (probe.kind === 'embedded') {
    return [
      {
        verdict: 'WARN',
        check: 'database',
        text: `no DATABASE_URL: Gaffer keeps an embedded Postgres under ${probe.home}, which doctor does not start`,
        fix: 'for the GitHub App set DATABASE_URL=postgres://user@host:5432/gaffer (GAFFER_EMBEDDED_DB=1 keeps the embedded one on purpose, one replica only)',
      },
    ]
  }
  if (probe.kind === 'error') {
    return [
      {
        verdict: 'FAIL',
        check: 'database',
        text: `cannot use DATABASE_URL (${probe.where}): ${probe.message}`,
        fix: connectionFix(probe.code, probe.where),
      },
    ]
  }
  const { serverVersion, migrations } = probe.status
  const lines: DoctorLine[] = [{ verdict: 'OK', check: 'database', text: `PostgreSQL ${serverVersion} at ${probe.where}` }]
  if (migrations.changed.length > 0) {
    lines.push({
      verdict: 'FAIL',
      check: 'migrations',
      text: `${migrationList(migrations.changed)} changed after ${migrations.changed.length === 1 ? 'it was' : 'they were'} applied: Gaffer refuses to start`,
      fix: 'restore the applied version of each file (git checkout) and put the change in a new migration file',
    })
  }
  if (migrations.unknown.length > 0) {
    lines.push({
      verdict: 'WARN',
      check: 'migrations',
      text: `the database has ${migrationList(migrations.unknown)}, which this version of Gaffer does not know: a newer version migrated it`,
      fix: 'run the newer version of Gaffer, or restore the backup taken before the upgrade',
    })
  }
  if (migrations.pending.length > 0) {
    lines.push({
      verdict: 'WARN',
      check: 'migrations',
      text:
        migrations.applied.length === 0 && migrations.changed.length === 0
          ? `none of the ${migrations.pending.length} applied yet: the database is new to Gaffer`
          : `${migrations.pending.length} not applied yet: ${migrationList(migrations.pending)}`,
      fix: 'Gaffer applies them at its next start; to apply them now run `gaffer migrate`',
    })
  }
  if (migrations.changed.length === 0 && migrations.unknown.length === 0 && migrations.pending.length === 0) {
    lines.push({ verdict: 'OK', check: 'migrations', text: `all ${migrations.applied.length} applied` })
  }
  return lines
}

/** SQLSTATE 28P01/28000: the login was refused; 3D000: no such database. */
function connectionFix(code: string | undefined, where: string): string {
  if (code === '28P01' || code === '28000')
    return 'Postgres refused this user: correct the user and password in DATABASE_URL, or allow them in pg_hba.conf'
  if (code === '3D000') {
    const name = where.split('/').pop()
    return `create the database (createdb ${name}) or correct its name in DATABASE_URL`
  }
  return 'start Postgres there, or correct the host and port in DATABASE_URL'
}

function migrationList(names: readonly string[]): string {
  return names.map((name) => `migrations/${name}`).join(', ')
}
