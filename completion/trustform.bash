# bash completion for trustform, trustplan and trustapply.
# Commands and options; for --target and --host, the store and host names of
# the configuration (-c FILE, else ./trust.yaml, else /etc/trustform/trust.yaml),
# read with awk: the keys directly under the top-level stores: / hosts: maps
# (and caddy, the caddy: section's store, for --target when the file has one).

# BEGIN generated: completion-sections (from the store registry: scripts/gen-docs.sh)
# The top-level sections of CONFIG that configure a store each, which
# --target names by their key.
_trustform_sections() { # CONFIG
  [ -r "$1" ] && grep -oE '^(caddy):' "$1" 2>/dev/null | tr -d :
  return 0
}
# END generated: completion-sections (hand-written again from here)

_trustform_names() { # SECTION CONFIG
  [ -r "$2" ] || return 0
  awk -v sec="$1" '
    /^[^ #]/ { insec = ($0 ~ "^" sec ":[ \t]*$") ; next }
    insec && /^[ ]+[^ #-]/ {
      if (!ind) { match($0, /^ +/); ind = RLENGTH }
      match($0, /^ +/); if (RLENGTH != ind) next
      k = $0; sub(/^ +/, "", k); sub(/:.*/, "", k); gsub(/["\047]/, "", k)
      if (k !~ /[*?[]/) print k
    }' "$2" 2>/dev/null
}

_trustform() {
  local cur prev words cword
  _init_completion || return
  local cmds="plan apply validate show version check caddy diff report"
  local opts="-c --config --host --root --target --detailed-exitcode --no-color
    --lock-timeout --auto-approve --json --git --ref --path --require-fresh
    --allow-unpinned --git-allowed-signers --out --prometheus --syslog --from --to
    --inventory --format --offline --timeout --help"
  local cfg="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -c|--config) cfg=${words[i+1]} ;;
      --config=*) cfg=${words[i]#--config=} ;;
    esac
  done
  if [ -z "$cfg" ]; then
    if [ -r trust.yaml ]; then cfg=trust.yaml; else cfg=/etc/trustform/trust.yaml; fi
  fi
  case $prev in
    -c|--config|--out|--prometheus|--path|--git-allowed-signers|--inventory)
      _filedir; return ;;
    --root) _filedir -d; return ;;
    --target)
      COMPREPLY=($(compgen -W "$(_trustform_names stores "$cfg")
        $(_trustform_sections "$cfg")" -- "$cur"))
      return ;;
    --host)
      COMPREPLY=($(compgen -W "$(_trustform_names hosts "$cfg")" -- "$cur")); return ;;
    --lock-timeout|--git|--ref|--from|--to) return ;;
    --format) COMPREPLY=($(compgen -W "text markdown json" -- "$cur")); return ;;
    caddy) COMPREPLY=($(compgen -W "export-root" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur")); return
  fi
  # trustform's first word is a command; trustapply takes a saved plan file.
  # Any word of $cmds before the cursor is the command (one list).
  local base=${words[0]##*/} have_cmd="" w c
  for w in "${words[@]:1:cword-1}"; do
    for c in $cmds; do [ "$w" = "$c" ] && have_cmd=$c; done
  done
  if [ "$base" = trustform ] && [ -z "$have_cmd" ]; then
    COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
  elif [ "$have_cmd" = check ]; then
    return 0 # URLs: nothing to offer
  else
    _filedir
  fi
}
complete -F _trustform trustform trustplan trustapply
