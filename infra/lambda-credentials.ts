/**
 * What the SDK clients' default credential chain becomes inside a Lambda bundle (an esbuild alias
 * for `@aws-sdk/credential-provider-node`, see bundling.ts). Lambda always hands a function its
 * role's credentials in the environment, so the rest of the chain (SSO, STS, INI files, IMDS, the
 * nested STS/SSO clients: about 90 KB of every bundle) is never used there and only slows the cold
 * import. Same contract as `defaultProvider`: a function returning a provider.
 */
interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const defaultProvider = () => async (): Promise<Credentials> => {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = process.env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY)
    throw new Error(
      'No AWS credentials in the environment (Lambda sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).',
    );
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    ...(AWS_SESSION_TOKEN ? { sessionToken: AWS_SESSION_TOKEN } : {}),
  };
};
