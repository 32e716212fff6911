/**
 * The single table's definition: the one source of truth for the CDK stack and the local
 * runtime's CreateTable call. Plain data, no AWS imports.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'ttl',
  /** Item attribute that names the record kind; the stream filter lets only new `event` records through. */
  kindAttribute: 'kind',
  globalSecondaryIndexes: [
    { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
  streamView: 'NEW_IMAGE',
} as const;

export type IndexName = (typeof TABLE.globalSecondaryIndexes)[number]['indexName'];

/** Every key attribute is a string. */
export function keyAttributeNames(): string[] {
  const names = new Set<string>([TABLE.partitionKey, TABLE.sortKey]);
  for (const g of TABLE.globalSecondaryIndexes) {
    names.add(g.partitionKey);
    names.add(g.sortKey);
  }
  return [...names];
}
