import type { RehearsalAgent, RehearsalItem, RehearsalReport } from './read-rehearsal-request.ts'

export type PlannedChild = { title: string; body: string; assignee: string; priority?: 'p0' | 'p1' | 'p2' | 'p3' }

/** An open `- [ ] …` line of a task list and the open task lines nested under it. */
export type TopTask = { text: string; subtasks: string[] }

/**
 * What a manager played by the rehearsal model delegates: one child per top-level open
 * task of the item's task list, its nested tasks becoming the child's own task list (so
 * a VP can fan them out in turn); without a task list, one child per report whose
 * `handles` fit the item, or the first report that is not a reviewer when none fits.
 */
export function planChildren(item: RehearsalItem, reports: readonly RehearsalReport[], by: RehearsalAgent): PlannedChild[] {
  if (reports.length === 0) return []
  const priority = /^priority:(p[0-3])$/.exec(item.labels.find((label) => label.startsWith('priority:')) ?? '')?.[1] as PlannedChild['priority']
  const from = `${by.name} delegated this from #${item.number}`
  const tasks = topTasks(item.body)
  if (tasks.length > 0) {
    const doers = reports.filter((report) => report.role !== 'reviewer')
    const turn = doers.length > 0 ? doers : reports
    let next = 0
    return tasks.map((task, index) => {
      const assignee = reports.find((report) => report.handles.some((label) => names(task.text, label))) ?? turn[next++ % turn.length]!
      const list = task.subtasks.length > 0 ? `\n\n${task.subtasks.join('\n')}` : ''
      return {
        title: childTitle(task.text, `Task ${index + 1} of #${item.number}`),
        body: `${task.text}${list}\n\n${from}, one child for each task of its task list.`,
        assignee: assignee.slug,
        ...(priority ? { priority } : {}),
      }
    })
  }
  const fitting = fittingReports(item, reports)
  return fitting.map((report) => ({
    title: childTitle(fitting.length === 1 ? item.title : `${item.title} (${report.name})`, `Part of #${item.number}`),
    body: `${item.body || item.title}\n\n${from}: ${report.name} handles ${report.handles.join(', ') || 'what the others do not'}.`,
    assignee: report.slug,
    ...(priority ? { priority } : {}),
  }))
}

/**
 * The top-level open tasks of a task list, each with the open tasks nested under it,
 * re-indented to start at the left margin. Ticked tasks (and what is nested under
 * them) are done and not delegated again.
 */
export function topTasks(body: string): TopTask[] {
  const lines = body.split('\n').flatMap((line) => {
    const match = /^([ \t]*)[-*+][ \t]+\[([ xX])\][ \t]+(\S.*)$/.exec(line)
    return match ? [{ indent: match[1]!.replace(/\t/g, '    ').length, open: match[2] === ' ', text: match[3]!.trim() }] : []
  })
  if (lines.length === 0) return []
  const top = Math.min(...lines.map((line) => line.indent))
  const tasks: Array<TopTask & { open: boolean; nested: typeof lines }> = []
  for (const line of lines) {
    if (line.indent <= top) tasks.push({ text: line.text, subtasks: [], open: line.open, nested: [] })
    else tasks.at(-1)?.nested.push(line)
  }
  return tasks
    .filter((task) => task.open)
    .map((task) => {
      const open = task.nested.filter((line) => line.open)
      const margin = Math.min(...open.map((line) => line.indent))
      return { text: task.text, subtasks: open.map((line) => `${' '.repeat(line.indent - margin)}- [ ] ${line.text}`) }
    })
}

/** Reports whose `handles` fit the item: a label it carries, or one its title or body names (or names the topic of: `backend` for `area:backend`). */
export function fittingReports(item: Pick<RehearsalItem, 'title' | 'body' | 'labels'>, reports: readonly RehearsalReport[]): RehearsalReport[] {
  const text = `${item.title}\n${item.body}`
  const fitting = reports.filter((report) => report.handles.some((label) => item.labels.includes(label) || names(text, label)))
  if (fitting.length > 0) return fitting
  const doer = reports.find((report) => report.role !== 'reviewer') ?? reports[0]
  return doer ? [doer] : []
}

/** Whether text names a label, or the label's topic (after its last colon) as a whole word. */
function names(text: string, label: string): boolean {
  const lower = text.toLowerCase()
  if (lower.includes(label.toLowerCase())) return true
  const topic = label.slice(label.lastIndexOf(':') + 1).toLowerCase()
  return topic.length >= 3 && new RegExp(`(^|[^a-z0-9])${topic.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9])`).test(lower)
}

/** A task's text as a child's title: without a trailing routing hint such as "(area:docs)", within GitHub's bounds. */
function childTitle(text: string, fallback: string): string {
  const title = text
    .replace(/\s*\(\s*[\w.-]+:[\w.-]+(?:\s*,\s*[\w.-]+:[\w.-]+)*\s*\)\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
  return title.length >= 3 ? title : fallback
}
