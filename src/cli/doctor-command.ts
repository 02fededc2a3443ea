import { doctorExitCode, formatDoctorReport } from '../doctor/doctor-line.ts'
import { runDoctor } from '../doctor/run-doctor.ts'

/** `gaffer doctor`: every check, printed with its fix; exit 1 when any FAILed. */
export async function doctorCommand(envFile: string | undefined): Promise<number> {
  const lines = await runDoctor({ env: process.env, envFile })
  process.stdout.write(formatDoctorReport(lines))
  return doctorExitCode(lines)
}
