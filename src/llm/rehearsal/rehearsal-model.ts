/**
 * The rehearsal model (SPEC §16): a deterministic stand-in for a language model that
 * plays each role by fixed rules, served over the same Chat Completions interface, so
 * the sandbox shows the company working without a paid model. It is named wherever
 * it has an effect: the dashboard, every comment its runs write, and their logs.
 */

/** The model id agents ask for, and the value of GAFFER_MODEL that asks for it outside the sandbox. */
export const REHEARSAL_MODEL = 'rehearsal'

/** Its name for people: on the dashboard, in logs and in comments. */
export const REHEARSAL_NAME = 'rehearsal model (no AI)'

/** The visible line the runtime adds to everything a rehearsal run writes on GitHub. */
export const REHEARSAL_NOTE = `_Written by the ${REHEARSAL_NAME}: Gaffer's deterministic stand-in that plays each role by fixed rules. No AI read or wrote this._`
