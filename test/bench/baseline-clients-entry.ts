// Cold-start reference (./coldstart.bench.ts): what every function needs before its own code, the
// DynamoDB and Secrets Manager clients and its validated config (shared/config, zod/mini).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../shared/config/index.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const secrets = new SecretsManagerClient({ region: 'us-east-1' });
export const handler = async () => [
  client.config.region,
  secrets.config.region,
  loadConfig().HOOKBRIDGE_TABLE,
];
