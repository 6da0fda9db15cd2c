/*
 * Commit signatures for a configuration from git (`--git-allowed-signers
 * FILE`): the commit must carry a valid signature by a key FILE lists. SSH
 * signatures are checked by ssh-keygen -Y (FILE in ssh's allowed_signers
 * format, as git's gpg.ssh.allowedSignersFile), OpenPGP ones by gpgv (FILE a
 * binary keyring, as `gpg --export KEYID` writes). trustform does no crypto of
 * its own here: the tools git itself uses decide.
 */
#ifndef TF_GITSIGN_H
#define TF_GITSIGN_H

#include <git2.h>
#include <time.h>

/* 0 with *signer set ("ssh: alice@example.org"), or -1 with err set. */
int gitsign_verify(git_repository *repo, const git_oid *commit, const char *allowed,
		   time_t commit_time, char **signer);

#endif
