import type { ToolCallProbe } from '../llm/probe-tool-call.ts'
import type { DoctorLine } from './doctor-line.ts'

/** The model server as configured: where it is (OpenAI's API without OPENAI_BASE_URL) and the default model. */
export type ModelTarget = { where: string; model: string }

const chooseToolModel =
  "every agent works through tool calls: set GAFFER_MODEL (and any agent's `model:`) to a model that supports them, or turn tool calling on in the server (e.g. vLLM's --enable-auto-tool-choice with a --tool-call-parser)"

/** One line for the model server: a tool-call round trip worked, or what went wrong and what to change. */
export function modelVerdict(target: ModelTarget, probe: ToolCallProbe | { kind: 'not-configured' }): DoctorLine {
  const { where, model } = target
  const fail = (text: string, fix: string): DoctorLine => ({ verdict: 'FAIL', check: 'model', text, fix })
  switch (probe.kind) {
    case 'not-configured':
      return {
        verdict: 'WARN',
        check: 'model',
        text: 'no model server configured (OPENAI_API_KEY, OPENAI_BASE_URL): agents only do the work that needs no model',
        fix: "set OPENAI_API_KEY, and OPENAI_BASE_URL for a server other than OpenAI's",
      }
    case 'round-trip':
      return { verdict: 'OK', check: 'model', text: `${model} at ${where} called a tool and took its result` }
    case 'no-tool-call':
      return fail(
        `${model} at ${where} answered without calling the tool it was given (${quote(probe.answer)}): it does not support tool calls`,
        chooseToolModel,
      )
    case 'unusable-arguments':
      return fail(`${model} at ${where} called the tool with arguments that are not a JSON object (${quote(probe.arguments)})`, chooseToolModel)
    case 'error':
      return fail(...modelErrorText(target, probe))
  }
}

function modelErrorText({ where, model }: ModelTarget, probe: Extract<ToolCallProbe, { kind: 'error' }>): [string, string] {
  if (probe.failure === 'unreachable') {
    return [
      `no model server answers at ${where}: ${probe.message}`,
      'start the model server, or correct OPENAI_BASE_URL (most servers want it to end in /v1)',
    ]
  }
  if (probe.failure === 'timeout') {
    return [
      `the model server at ${where} did not answer in time: ${probe.message}`,
      'check that the server runs and is not overloaded, and that OPENAI_BASE_URL points at it',
    ]
  }
  const status = `(${probe.status}${probe.step === 'result' ? ", when given the tool call's result" : ''})`
  if (probe.step === 'result' && probe.status === 400) {
    return [`${model} called the tool, then the server refused its result ${status}: ${probe.message}`, chooseToolModel]
  }
  if (probe.status === 401)
    return [`the model server at ${where} refused OPENAI_API_KEY ${status}: ${probe.message}`, `set OPENAI_API_KEY to a key that ${where} accepts`]
  if (probe.status === 403)
    return [
      `the key may not use ${model} at ${where} ${status}: ${probe.message}`,
      `give the key access to ${model}, or choose another model in GAFFER_MODEL`,
    ]
  if (probe.status === 404) {
    return [
      `${where} does not know the model ${model} ${status}: ${probe.message}`,
      `set GAFFER_MODEL to a model the server lists (GET ${where.replace(/\/+$/, '')}/models), and check OPENAI_BASE_URL`,
    ]
  }
  if (probe.status === 400 && /tool|function/i.test(probe.message))
    return [`the server says ${model} does not take tools ${status}: ${probe.message}`, chooseToolModel]
  if (probe.status === 429)
    return [
      `the model server at ${where} is rate-limiting this key or its quota is spent ${status}: ${probe.message}`,
      "check the account's quota and rate limits",
    ]
  return [
    `the model server at ${where} failed ${status}: ${probe.message}`,
    "check the server's logs; the request was an ordinary chat completion with one tool",
  ]
}

/** What the model said, short enough for one line. */
function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat === '') return 'an empty answer'
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 77)}...` : flat)
}
