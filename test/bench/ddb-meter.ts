/**
 * A counting proxy in front of dynalite (127.0.0.1): it forwards every DynamoDB request as is and
 * counts calls, WRU and RRU by calling function (a header the table client adds, see tag()) and
 * operation. Units follow DynamoDB's on-demand rules from item sizes (./../support/dynamodb-sizing.ts),
 * not from ReturnConsumedCapacity (dynalite does not compute it):
 * - a write costs the larger of the item before and after it (read directly from dynalite around
 *   the write), plus each index copy it adds, changes or removes; transactions cost twice for the
 *   table items (index copies once); a failed conditional write still costs the item it checked;
 * - a read costs the full items it touched, whatever ProjectionExpression keeps: GetItem each item,
 *   Query and Scan the sum of every item evaluated before FilterExpression (the same page re-run on
 *   its key condition alone), TransactGetItems twice.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { currentFunction } from '../../infra/local/iam.js';
import { createTableInput } from '../../infra/local/table.js';
import { TABLE } from '../../shared/table.js';
import {
  type IndexDefinition,
  type Item,
  indexCopy,
  indexWriteUnits,
  itemSize,
  readUnits,
  writeUnits,
} from '../support/dynamodb-sizing.js';

export interface Usage {
  calls: number;
  wru: number;
  rru: number;
}

const FUNCTION_HEADER = 'x-hookbridge-function';
const TABLE_KEYS = [TABLE.partitionKey, TABLE.sortKey];
const INDEXES = (createTableInput('t').GlobalSecondaryIndexes ?? []) as IndexDefinition[];
type Body = Record<string, unknown>;
type Raw = (op: string, body: Body) => Promise<Body>;

const keyOf = (item: Item): Item => ({
  [TABLE.partitionKey]: item[TABLE.partitionKey]!,
  [TABLE.sortKey]: item[TABLE.sortKey]!,
});

/** One table item a write touches: its key, what the request puts (for Put) and how it changes it. */
interface Touched {
  table: string;
  key: Item;
  put?: Item;
  kind: 'put' | 'update' | 'delete' | 'check';
}

function touchedBy(op: string, b: Body): Touched[] {
  const t = (table: unknown, kind: Touched['kind'], x: { Item?: Item; Key?: Item }): Touched => ({
    table: String(table),
    key: x.Key ?? keyOf(x.Item!),
    kind,
    ...(x.Item && { put: x.Item }),
  });
  if (op === 'PutItem') return [t(b.TableName, 'put', b as { Item: Item })];
  if (op === 'UpdateItem') return [t(b.TableName, 'update', b as { Key: Item })];
  if (op === 'DeleteItem') return [t(b.TableName, 'delete', b as { Key: Item })];
  if (op === 'BatchWriteItem')
    return Object.entries(b.RequestItems as Record<string, Body[]>).flatMap(([table, reqs]) =>
      reqs.map((r) =>
        r.PutRequest
          ? t(table, 'put', r.PutRequest as { Item: Item })
          : t(table, 'delete', r.DeleteRequest as Body),
      ),
    );
  if (op === 'TransactWriteItems')
    return (b.TransactItems as Record<string, { TableName: string; Item?: Item; Key?: Item }>[]).map((x) => {
      const [name, v] = Object.entries(x)[0]!;
      const kind = ({ Put: 'put', Update: 'update', Delete: 'delete' } as const)[name] ?? 'check';
      return t(v.TableName, kind, v);
    });
  return [];
}

const getItem = async (raw: Raw, table: string, key: Item): Promise<Item | undefined> =>
  (await raw('GetItem', { TableName: table, Key: key, ConsistentRead: true })).Item as Item | undefined;

/** Called for each index entry a write puts or changes: the index and the entry's partition key. */
type OnIndexWrite = (indexName: string, partition: string) => void;

/** WRU of one write request, given the items before it and whether it succeeded. */
async function writeCost(
  raw: Raw,
  op: string,
  b: Body,
  run: () => Promise<boolean>,
  onIndexWrite: OnIndexWrite,
): Promise<number> {
  const touched = touchedBy(op, b);
  const before = await Promise.all(touched.map((x) => getItem(raw, x.table, x.key)));
  const ok = await run();
  const tx = op === 'TransactWriteItems';
  let wru = 0;
  for (const [i, x] of touched.entries()) {
    const old = before[i];
    const after =
      !ok || x.kind === 'check'
        ? old
        : x.kind === 'put'
          ? x.put
          : x.kind === 'delete'
            ? undefined
            : await getItem(raw, x.table, x.key);
    wru += writeUnits(Math.max(old ? itemSize(old) : 0, after ? itemSize(after) : 0), tx);
    if (!ok) continue;
    for (const g of INDEXES) {
      const units = indexWriteUnits(old, after, g, TABLE_KEYS);
      wru += units;
      // The partition the write lands in: the new entry's, or the removed one's.
      const entry = (after && indexCopy(after, g, TABLE_KEYS)) ?? (old && indexCopy(old, g, TABLE_KEYS));
      const pkName = g.KeySchema?.[0]?.AttributeName ?? '';
      if (units > 0 && entry) onIndexWrite(String(g.IndexName), JSON.stringify(entry[pkName]));
    }
  }
  return wru;
}

/** The names and values an expression uses, out of the request's maps. */
const usedBy = (expr: string, map: unknown, sigil: string) =>
  map &&
  Object.fromEntries(Object.entries(map as Body).filter(([k]) => expr.includes(k) && k.startsWith(sigil)));

/** RRU of one read request (before it is forwarded: reads do not change what they read). */
async function readCost(raw: Raw, op: string, b: Body): Promise<number> {
  const mode = (strong: unknown): 'strong' | 'eventual' => (strong ? 'strong' : 'eventual');
  if (op === 'GetItem') {
    const item = await getItem(raw, String(b.TableName), b.Key as Item);
    return readUnits(item ? itemSize(item) : 0, mode(b.ConsistentRead));
  }
  if (op === 'BatchGetItem' || op === 'TransactGetItems') {
    const gets =
      op === 'BatchGetItem'
        ? Object.entries(
            b.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>,
          ).flatMap(([table, r]) => r.Keys.map((key) => ({ table, key, read: mode(r.ConsistentRead) })))
        : (b.TransactItems as { Get: { TableName: string; Key: Item } }[]).map(({ Get }) => ({
            table: Get.TableName,
            key: Get.Key,
            read: 'transactional' as const,
          }));
    const items = await Promise.all(gets.map((g) => getItem(raw, g.table, g.key)));
    return items.reduce((s, item, i) => s + readUnits(item ? itemSize(item) : 0, gets[i]!.read), 0);
  }
  if (op === 'Query' || op === 'Scan') {
    const cond = String(b.KeyConditionExpression ?? '');
    const page = await raw(op, {
      ...Object.fromEntries(
        [
          'TableName',
          'IndexName',
          'Limit',
          'ExclusiveStartKey',
          'ScanIndexForward',
          'ConsistentRead',
          'Segment',
          'TotalSegments',
        ]
          .filter((k) => b[k] !== undefined)
          .map((k) => [k, b[k]]),
      ),
      ...(cond && {
        KeyConditionExpression: cond,
        ExpressionAttributeNames: usedBy(cond, b.ExpressionAttributeNames, '#'),
        ExpressionAttributeValues: usedBy(cond, b.ExpressionAttributeValues, ':'),
      }),
    });
    const bytes = ((page.Items ?? []) as Item[]).reduce((s, item) => s + itemSize(item), 0);
    return readUnits(bytes, mode(b.ConsistentRead));
  }
  return 0;
}

export class DynamoMeter {
  /** Usage by `function operation`. */
  readonly usage = new Map<string, Usage>();
  /** Index entries written, by index name, then by partition key (its DynamoDB JSON value). */
  readonly indexWrites = new Map<string, Map<string, number>>();
  private target!: (endpoint: string) => void;
  private readonly endpoint = new Promise<string>((r) => {
    this.target = r;
  });

  private constructor(private readonly server: Server) {}

  static async start(): Promise<DynamoMeter> {
    const server = createServer();
    const meter = new DynamoMeter(server);
    server.on('request', (req, res) => {
      void meter.handle(req).then(
        ({ status, headers, body }) => res.writeHead(status, headers).end(body),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return meter;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Where requests go (dynalite's endpoint, known once the local runtime started it). */
  forwardTo(endpoint: string): void {
    this.target(endpoint);
  }

  /** Makes `ddb` name the calling function (the local runtime's current one) on each request. */
  tag(ddb: DynamoDBDocumentClient): void {
    ddb.middlewareStack.add(
      (next) => async (args) => {
        const req = args.request as { headers?: Record<string, string> };
        if (req.headers) req.headers[FUNCTION_HEADER] = currentFunction() ?? '(runtime)';
        return next(args);
      },
      { step: 'build', name: 'hookbridgeCostMeterTag' },
    );
  }

  reset(): void {
    this.usage.clear();
    this.indexWrites.clear();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] ?? '');
    const op = target.split('.')[1] ?? '';
    const pass = ['authorization', 'x-amz-date', 'content-type'].map((h) => [
      h,
      String(req.headers[h] ?? ''),
    ]);
    const endpoint = await this.endpoint;
    const send = async (t: string, body: string) => {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { ...Object.fromEntries(pass), 'x-amz-target': t },
        body,
      });
      const headers = Object.fromEntries(
        [...res.headers].filter(([k]) => k.startsWith('x-amz') || k === 'content-type'),
      );
      return { status: res.status, headers, body: await res.text() };
    };
    const raw: Raw = async (o, b) =>
      JSON.parse((await send(target.replace(op, o), JSON.stringify(b))).body) as Body;
    const b = JSON.parse(text || '{}') as Body;
    let out!: Awaited<ReturnType<typeof send>>;
    const forward = async () => {
      out = await send(target, text);
      return out.status === 200;
    };
    const rru = await readCost(raw, op, b);
    // A request that writes nothing costs no WRU (touchedBy is empty): writeCost only forwards it.
    const wru = await writeCost(raw, op, b, forward, (index, partition) => {
      const keys = this.indexWrites.get(index) ?? new Map<string, number>();
      keys.set(partition, (keys.get(partition) ?? 0) + 1);
      this.indexWrites.set(index, keys);
    });
    const key = `${req.headers[FUNCTION_HEADER] ?? '(untagged)'} ${op}`;
    const u = this.usage.get(key) ?? { calls: 0, wru: 0, rru: 0 };
    this.usage.set(key, { calls: u.calls + 1, wru: u.wru + wru, rru: u.rru + rru });
    return out;
  }
}
