/**
 * For tests: a TCP proxy in front of Redis that can lose one reply on the wire. Armed, it swallows
 * the reply to the next `XREADGROUP … >` that carries entries and closes the client's connection.
 * Redis has executed that read by then — the entries sit in the consumer's pending list, marked
 * delivered — which is what a Redis killed between its AOF fsync and its reply leaves behind.
 */
import net from 'node:net';

const NEW_ENTRIES_READ = /xreadgroup[\s\S]*\$1\r\n>\r\n/i;
const isNullReply = (chunk: Buffer) => chunk[0] === 0x5f /* _ */ || chunk.toString('latin1', 0, 3) === '*-1';

export class ReplyCuttingProxy {
  private armed: (() => void) | null = null;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    private readonly upstream: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.relay(client));
  }

  /** Listens on a free port of 127.0.0.1 and forwards to the Redis of `redisUrl`. */
  static async start(redisUrl: string): Promise<ReplyCuttingProxy> {
    const u = new URL(redisUrl);
    const proxy = new ReplyCuttingProxy(net.createServer(), { host: u.hostname, port: Number(u.port || 6379) });
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Resolves once a reply with new entries has been swallowed and its connection cut. */
  cutNextNewEntriesReply(): Promise<void> {
    return new Promise((resolve) => (this.armed = resolve));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private relay(client: net.Socket): void {
    const server = net.connect(this.upstream);
    this.sockets.add(client).add(server);
    let awaitingNewEntries = false;
    const cut = () => {
      client.destroy();
      server.destroy();
    };
    client.on('data', (chunk) => {
      awaitingNewEntries = NEW_ENTRIES_READ.test(chunk.toString('latin1'));
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (this.armed && awaitingNewEntries && !isNullReply(chunk)) {
        const done = this.armed;
        this.armed = null;
        cut();
        done();
        return;
      }
      client.write(chunk);
    });
    for (const s of [client, server]) {
      s.on('error', cut);
      s.on('close', () => {
        this.sockets.delete(s);
        cut();
      });
    }
  }
}
