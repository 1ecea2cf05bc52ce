import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AirlockError } from '../core/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>>;

/** parseArgs with our error code: an unknown or malformed option is bad input (exit 2). */
export function parseOptions<T extends Options>(args: string[], options: T, allowPositionals = true): Parsed<T> {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new AirlockError('ERR_REQUEST_INVALID', (e as Error).message);
  }
}
