import type { Agent } from '../roster/schema.ts'

/** The open `- [ ] …` lines of a goal's body, in order. */
export function openTasks(body: string): string[] {
  return [...body.matchAll(/^[ \t]*[-*][ \t]+\[ \][ \t]+([^\n]*)$/gm)].map((match) => match[1]!.trim()).filter((task) => task.length > 0)
}

/**
 * Who gets each task: the report one of whose `handles` labels the task names, else
 * the reports in turn (round-robin), so a goal's task list fans out without a model.
 */
export function assignTasks(tasks: readonly string[], reports: readonly Agent[]): Array<{ task: string; assignee: string }> {
  let next = 0
  return tasks.flatMap((task) => {
    if (reports.length === 0) return []
    const named = reports.find((report) => report.handles.some((label) => task.toLowerCase().includes(label.toLowerCase())))
    const assignee = named ?? reports[next++ % reports.length]!
    return [{ task, assignee: assignee.slug }]
  })
}
