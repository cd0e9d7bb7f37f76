/**
 * A local HTTP server whose answers the test scripts, request by request: a status (with headers/body), a hang
 * (the client times out), or a cut connection. Unscripted requests get 200 with per-item results, where an item
 * whose `id` is in `rejectIds` is answered as rejected (400) inside the 200.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Scripted =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  | { hang: true }
  | { cut: true };

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  items: { id: string; value?: number }[];
}

export class ScriptedServer {
  private server: Server | undefined;
  private readonly script: Scripted[] = [];
  /** Per path prefix scripts (e.g. '/down' always 503). */
  readonly always = new Map<string, Scripted>();
  readonly requests: ReceivedRequest[] = [];
  /** Item ids answered 200 (delivered), in order; duplicates show redelivery. */
  readonly delivered: string[] = [];
  readonly rejectIds = new Set<string>();
  /** Whole-request 400 when any item id is in here (to exercise bisection). */
  readonly poisonIds = new Set<string>();
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answer the next requests with these, in order. */
  enqueue(...s: Scripted[]): void {
    this.script.push(...s);
  }

  private handle(req: IncomingMessage, res: ServerResponse, text: string): void {
    let items: ReceivedRequest['items'] = [];
    try {
      items = (JSON.parse(text) as { items: ReceivedRequest['items'] }).items ?? [];
    } catch {
      /* not JSON */
    }
    const path = req.url ?? '/';
    this.requests.push({ path, headers: req.headers, items });
    let s: Scripted | undefined;
    for (const [prefix, a] of this.always) if (path.startsWith(prefix)) s = a;
    s ??= this.script.shift();
    if (s && 'hang' in s) {
      this.hanging.add(res);
      return;
    }
    if (s && 'cut' in s) {
      req.socket.destroy();
      return;
    }
    if (s) {
      res.writeHead(s.status, { 'content-type': 'application/json', ...(s.headers ?? {}) });
      res.end(JSON.stringify(s.body ?? { error: `scripted ${s.status}` }));
      return;
    }
    if (items.some((i) => this.poisonIds.has(i.id))) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'batch contains an invalid item' }));
      return;
    }
    const results = items.map((i) => {
      if (this.rejectIds.has(i.id)) return { ok: false, status: 400, error: `item ${i.id} rejected` };
      this.delivered.push(i.id);
      return { ok: true };
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ results }));
  }

  async close(): Promise<void> {
    for (const r of this.hanging) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
