// Cold-start baseline: a bundle with only @aws-sdk/client-dynamodb and lib-dynamodb, clients created.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
export const handler = async () => client.config.region;
