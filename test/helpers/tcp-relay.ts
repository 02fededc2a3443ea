import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export type TcpRelay = {
  /** `target` with its host and port replaced by the relay's. */
  url: string
  /** Drops every relayed connection and stops listening: to its clients the target is down (connections refused). */
  cut(): Promise<void>
  /** Listens again on the same port. */
  restore(): Promise<void>
  close(): Promise<void>
}

/**
 * A TCP relay in front of a server (Postgres, say) that a test can cut and restore, so a
 * replica sees its database go away and come back while the server itself keeps serving
 * every other test.
 */
export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const to = new URL(target)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(Number(to.port || 5432), to.hostname)
        for (const socket of [client, upstream]) {
          sockets.add(socket)
          socket.on('close', () => sockets.delete(socket))
          socket.on('error', () => {})
        }
        client.pipe(upstream).pipe(client)
        client.on('close', () => upstream.destroy())
        upstream.on('close', () => client.destroy())
      })
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as AddressInfo).port
        resolve()
      })
    })
  const stop = async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = undefined
  }
  await listen()
  const url = new URL(target)
  url.host = `127.0.0.1:${port}`
  return { url: url.toString(), cut: stop, restore: listen, close: stop }
}
