/**
 * Shell snippets printed by `airlock shell-init`. Each checks a command line with
 * `airlock check` before it runs: deny blocks it, ask asks y/N (default no), an error blocks it
 * (fail closed). Escape hatches, both visible: put `#airlock-skip` anywhere in the line (a comment
 * to the shell), or set AIRLOCK_SHELL_GUARD=off. A skipped check is always announced on stderr.
 */

export const SKIP_MARKER = '#airlock-skip';

export function bashSnippet(): string {
  return String.raw`# Airlock shell guard for bash. Load with:  eval "$(airlock shell-init bash)"
# Every command line is checked by \`airlock check\` before it runs: deny blocks it, ask asks y/N.
# Skip one line: end it with  #airlock-skip   Turn off: export AIRLOCK_SHELL_GUARD=off
__airlock_bin="\${AIRLOCK_BIN:-airlock}"
__airlock_state=prompt
__airlock_histno=
__airlock_prompt_start() { __airlock_state=prompt; }
__airlock_prompt_end() {
  __airlock_histno=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null | command sed -n 's/^ *\([0-9]*\).*/\1/p')
  __airlock_state=armed
}
__airlock_debug() {
  case "$BASH_COMMAND" in __airlock_*) return 0 ;; esac
  case "$__airlock_state" in
    prompt|ok) return 0 ;;
    blocked) return 1 ;;
  esac
  [[ -n "\${COMP_LINE:-}" ]] && return 0
  if [[ "\${AIRLOCK_SHELL_GUARD:-on}" == off ]]; then
    __airlock_state=ok
    printf 'airlock: shell guard is off (AIRLOCK_SHELL_GUARD=off); not checked\n' >&2
    return 0
  fi
  local entry no line
  entry=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null)
  no=$(printf '%s' "$entry" | command sed -n '1s/^ *\([0-9]*\).*/\1/p')
  if [[ -n "$no" && "$no" != "$__airlock_histno" ]]; then
    line=$(builtin fc -ln -0 2>/dev/null)
    line="\${line#"\${line%%[![:space:]]*}"}"
  else
    line=$BASH_COMMAND
  fi
  if [[ "$line" == *'#airlock-skip'* ]]; then
    __airlock_state=ok
    printf 'airlock: check skipped for this line (#airlock-skip)\n' >&2
    return 0
  fi
  local report rc
  report=$("$__airlock_bin" check --shell bash -- "$line" 2>&1)
  rc=$?
  [[ $rc -ne 0 ]] && printf '%s\n' "$report" >&2
  case $rc in
    0) __airlock_state=ok; return 0 ;;
    1)
      local ans=
      read -r -p 'airlock: run it anyway? [y/N] ' ans </dev/tty
      if [[ "$ans" == [yY] || "$ans" == [yY][eE][sS] ]]; then __airlock_state=ok; return 0; fi
      printf 'airlock: not run\n' >&2 ;;
    3) printf 'airlock: blocked\n' >&2 ;;
    *) printf 'airlock: the check failed, so the command was blocked (AIRLOCK_SHELL_GUARD=off disables the guard)\n' >&2 ;;
  esac
  __airlock_state=blocked
  return 1
}
shopt -s extdebug
trap '__airlock_debug' DEBUG
PROMPT_COMMAND="__airlock_prompt_start;\${PROMPT_COMMAND:+\${PROMPT_COMMAND%;};}__airlock_prompt_end"
`.replace(/\\\$\{/g, '${').replace(/\\`/g, '`');
}

export function zshSnippet(): string {
  return String.raw`# Airlock shell guard for zsh. Load with:  eval "$(airlock shell-init zsh)"
# Every command line is checked by \`airlock check\` before it runs: deny blocks it, ask asks y/N.
# Skip one line: end it with  #airlock-skip   Turn off: export AIRLOCK_SHELL_GUARD=off
setopt interactive_comments
__airlock_bin="\${AIRLOCK_BIN:-airlock}"
__airlock_accept_line() {
  if [[ -z "\${BUFFER//[[:space:]]/}" ]]; then zle .accept-line; return; fi
  if [[ "\${AIRLOCK_SHELL_GUARD:-on}" == off ]]; then
    zle -I; print -u2 'airlock: shell guard is off (AIRLOCK_SHELL_GUARD=off); not checked'
    zle .accept-line; return
  fi
  if [[ "$BUFFER" == *'#airlock-skip'* ]]; then
    zle -I; print -u2 'airlock: check skipped for this line (#airlock-skip)'
    zle .accept-line; return
  fi
  zle -I
  local report rc
  report=$("$__airlock_bin" check --shell zsh -- "$BUFFER" 2>&1)
  rc=$?
  (( rc != 0 )) && print -u2 -r -- "$report"
  case $rc in
    0) zle .accept-line; return ;;
    1)
      local ans=
      print -u2 -n 'airlock: run it anyway? [y/N] '
      read -r ans </dev/tty
      if [[ "$ans" == [yY] || "$ans" == [yY][eE][sS] ]]; then zle .accept-line; return; fi
      print -u2 'airlock: not run' ;;
    3) print -u2 'airlock: blocked' ;;
    *) print -u2 'airlock: the check failed, so the command was blocked (AIRLOCK_SHELL_GUARD=off disables the guard)' ;;
  esac
  print -s -- "$BUFFER"
  BUFFER=''
  zle .accept-line
}
zle -N accept-line __airlock_accept_line
`.replace(/\\\$\{/g, '${').replace(/\\`/g, '`');
}
