#!/usr/bin/env bash
# The stack on a booted Debian sid system (systemd as PID 1), trustform run
# without --root against its own /: see tests/lib/booted_stack.sh.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/booted.sh"
. "$(dirname "$0")/../lib/booted_stack.sh"
booted_stack sid
