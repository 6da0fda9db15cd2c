#!/usr/bin/env bash
# Debian trixie: the package built inside a trixie tree with that release's GCC,
# libgit2 and OpenSSL (-Werror, the unit tests there), installed into a fresh
# trixie system and run there without --root; see tests/lib/suite.sh.
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/testhost.sh"
. "$(dirname "$0")/../lib/suite.sh"

suite_test trixie
done_testing
