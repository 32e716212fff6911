/**
 * Where an operator tool runs: against the running local runtime (`--local`, or no function
 * environment and a `.hookbridge/runtime.json`), else with the function environment as the Lambdas
 * have it. Neither: a one-line error naming both fixes.
 */
import { type Config, loadConfig } from '../../shared/config/index.js';
import { isHookbridgeError } from '../../shared/errors.js';
import { CliError } from '../cli.js';
import { localEnvironment, readRuntimeFile, runtimeFilePath } from '../local/runtime-file.js';

export function opsConfig(opts: { local?: boolean | undefined } = {}): Config {
  const file = runtimeFilePath();
  if (opts.local || !process.env.HOOKBRIDGE_TABLE) {
    const info = readRuntimeFile(file);
    if (info) return loadConfig({ ...process.env, ...localEnvironment(info) });
    throw new CliError(
      opts.local
        ? `--local: no local runtime is running (${file} not found): start it with npm start, then run this again`
        : `No function environment (HOOKBRIDGE_TABLE is not set) and no running local runtime (${file}): start npm start and run this again (or pass --local), or set the function environment (HOOKBRIDGE_TABLE, HOOKBRIDGE_SECRETS_BACKEND, AWS credentials) to run against AWS`,
    );
  }
  try {
    return loadConfig();
  } catch (err) {
    if (isHookbridgeError(err))
      throw new CliError(
        `${err.message}: fix the function environment, or unset HOOKBRIDGE_TABLE and pass --local`,
      );
    throw err;
  }
}
