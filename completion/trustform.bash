# bash completion for trustform, trustplan and trustapply.
# Commands and the options each takes (generated from the commands' tables,
# cli/cmd_*.c); for --target and --host, the store and host names of the
# configuration (-c FILE, else ./trust.yaml, else /etc/trustform/trust.yaml),
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

# BEGIN generated: completion-options (from the commands' option tables: scripts/gen-docs.sh)
_trustform_cmds="plan apply validate show version check caddy diff report rotation"
# The options COMMAND takes (every option when COMMAND is empty).
_trustform_opts() { # COMMAND
  case $1 in
    plan) echo "-c --config --host --root --target --lock-timeout --json --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --detailed-exitcode --out --prometheus --syslog --offline --timeout --help" ;;
    apply) echo "-c --config --host --root --target --lock-timeout --json --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --auto-approve --help" ;;
    validate) echo "-c --config --host --root --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --help" ;;
    show) echo "-c --config --host --root --target --lock-timeout --json --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --format --help" ;;
    version) echo "--no-color --help" ;;
    check) echo "-c --config --host --root --target --lock-timeout --json --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --timeout --help" ;;
    caddy) echo "-c --config --host --root --lock-timeout --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --ca --help" ;;
    diff) echo "--root --json --no-color --git --path --require-fresh --allow-unpinned --git-allowed-signers --from --to --inventory --format --help" ;;
    report) echo "--json --no-color --format --help" ;;
    rotation) echo "-c --config --host --root --lock-timeout --json --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --offline --timeout --help" ;;
    *) echo "-c --config --host --root --target --lock-timeout --json --no-color --git --ref --path --require-fresh --allow-unpinned --git-allowed-signers --detailed-exitcode --out --prometheus --syslog --offline --timeout --auto-approve --format --ca --from --to --inventory --help" ;;
  esac
}
# What OPTION's value is: file, dir, stores, hosts, words:W..., none
# (nothing to offer); empty for a flag.
_trustform_optarg() { # OPTION
  case $1 in
    -c|--config|--path|--git-allowed-signers|--out|--prometheus|--inventory) echo file ;;
    --root) echo dir ;;
    --target) echo stores ;;
    --host) echo hosts ;;
    --lock-timeout|--git|--ref|--timeout|--ca|--from|--to) echo none ;;
    --format) echo "words:text json cyclonedx" ;;
  esac
}
# END generated: completion-options (hand-written again from here)

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
  local cmds=$_trustform_cmds
  # the command: trustplan's and trustapply's own, else the first word of
  # $cmds before the cursor
  local base=${words[0]##*/} have_cmd="" w c
  case $base in trustplan) have_cmd=plan ;; trustapply) have_cmd=apply ;; esac
  for w in "${words[@]:1:cword-1}"; do
    [ -n "$have_cmd" ] && break
    for c in $cmds; do [ "$w" = "$c" ] && have_cmd=$c; done
  done
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
  [ "$prev" = caddy ] && [ "$have_cmd" = caddy ] && {
    COMPREPLY=($(compgen -W "export-root" -- "$cur")); return; }
  [ "$prev" = rotation ] && [ "$have_cmd" = rotation ] && {
    COMPREPLY=($(compgen -W "status" -- "$cur")); return; }
  case $(_trustform_optarg "$prev") in
    file) _filedir; return ;;
    dir) _filedir -d; return ;;
    stores)
      COMPREPLY=($(compgen -W "$(_trustform_names stores "$cfg")
        $(_trustform_sections "$cfg")" -- "$cur"))
      return ;;
    hosts)
      COMPREPLY=($(compgen -W "$(_trustform_names hosts "$cfg")" -- "$cur")); return ;;
    none) return ;;
    words:*) local wl=$(_trustform_optarg "$prev")
      COMPREPLY=($(compgen -W "${wl#words:}" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    # the options of the command (all of them before one is given)
    COMPREPLY=($(compgen -W "$(_trustform_opts "$have_cmd")" -- "$cur")); return
  fi
  # trustform's first word is a command; trustapply takes a saved plan file.
  if [ "$base" = trustform ] && [ -z "$have_cmd" ]; then
    COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
  elif [ "$have_cmd" = check ]; then
    return 0 # URLs: nothing to offer
  else
    _filedir
  fi
}
complete -F _trustform trustform trustplan trustapply
