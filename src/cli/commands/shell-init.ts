/** `airlock shell-init bash|zsh`: prints the shell guard snippet (see integrations/shell). */
import { AirlockError } from '../../core/errors.js';
import type { CliCommand } from '../command.js';
import { bashSnippet, zshSnippet } from '../../integrations/shell/snippets.js';

export const command: CliCommand = {
  name: 'shell-init',
  summary: 'Print a bash/zsh snippet that checks every command line with airlock check',
  help: `usage: airlock shell-init bash|zsh

Prints a snippet that checks each command line before it runs. Load it from your shell rc file:
  eval "$(airlock shell-init bash)"     # ~/.bashrc
  eval "$(airlock shell-init zsh)"      # ~/.zshrc
deny blocks the line, ask asks y/N (default no), a failed check blocks (fail closed).
Escape hatches (announced on stderr when used): end a line with  #airlock-skip , or
export AIRLOCK_SHELL_GUARD=off. AIRLOCK_BIN sets the airlock binary (default: airlock on PATH).`,
  async run(args, io) {
    const which = args.filter((a) => a !== '--')[0];
    if (which === 'bash') io.stdout.write(bashSnippet());
    else if (which === 'zsh') io.stdout.write(zshSnippet());
    else throw new AirlockError('ERR_REQUEST_INVALID', 'shell-init takes one argument: bash or zsh');
    return 0;
  },
};
