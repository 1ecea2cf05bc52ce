import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AirlockError } from '../core/errors.js';

/** parseArgs with our error code: an unknown or malformed option is bad input (exit 2). */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new AirlockError('ERR_REQUEST_INVALID', (e as Error).message);
  }
}
