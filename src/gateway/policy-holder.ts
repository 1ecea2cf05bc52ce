import type { CompiledBundle } from '../policy/bundle.js';

/**
 * The bundle in force. Replacing it is one reference swap, so a decision in flight finishes on the
 * bundle it started with and the next one sees the new bundle; an invalid bundle never gets here.
 */
export interface PolicyHolder {
  current(): CompiledBundle | undefined;
  replace(next: CompiledBundle): CompiledBundle | undefined;
}

export function createPolicyHolder(initial?: CompiledBundle): PolicyHolder {
  let bundle = initial;
  return {
    current: () => bundle,
    replace(next) {
      const prev = bundle;
      bundle = next;
      return prev;
    },
  };
}
