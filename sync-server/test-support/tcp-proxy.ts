import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 to `target`, for a test to take a server away from one client and
 * give it back: `cut()` drops every connection and refuses new ones, `restore()` listens again
 * on the same port.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | null = null;
  private constructor(
    private readonly target: { host: string; port: number },
    private listenPort: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.restore();
    return proxy;
  }

  /** A proxy to the host and port of `url` (`defaultPort` if it names none), and `url` through it. */
  static async forUrl(url: string, defaultPort: number): Promise<{ proxy: TcpProxy; url: string }> {
    const target = new URL(url);
    const proxy = await TcpProxy.start({
      host: target.hostname,
      port: Number(target.port || defaultPort),
    });
    target.port = String(proxy.port);
    return { proxy, url: target.toString() };
  }

  get port(): number {
    return this.listenPort;
  }

  restore(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.server = server;
    return new Promise((resolve) => {
      server.listen(this.listenPort, '127.0.0.1', () => {
        this.listenPort = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }

  cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => {
      if (server === null) resolve();
      else server.close(() => resolve());
    });
  }

  close(): Promise<void> {
    return this.cut();
  }
}
