/** Most of a CLI's output kept per run: enough to see what it did, bounded so a chatty CLI cannot fill the database. */
export const TRANSCRIPT_LIMIT = 1_000_000

/** An append-only text that keeps only its last `limit` characters. */
export function createTranscript(limit = TRANSCRIPT_LIMIT) {
  let chunks: string[] = []
  let length = 0
  let dropped = false
  return {
    append(text: string) {
      chunks.push(text)
      length += text.length
      if (length > limit * 2) compact()
    },
    text(): string {
      compact()
      const kept = chunks.join('')
      return dropped ? `[earlier output dropped]\n${kept}` : kept
    },
  }
  function compact() {
    if (length <= limit) return
    const joined = chunks.join('').slice(-limit)
    chunks = [joined]
    length = joined.length
    dropped = true
  }
}
