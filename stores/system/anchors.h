/*
 * The system store of the distributions that take local CAs as files in an
 * "anchors" directory and then extract their bundles with a command
 * (RHEL/Fedora: update-ca-trust extract; Arch: trust extract-compat;
 * openSUSE/SLES: update-ca-certificates; Alpine: update-ca-certificates).
 * One row per family in the table of families.c (where things are), and
 * this shared reader/writer.
 *
 * Whether extraction is pending is read from the extracted bundle itself:
 * every anchor must be in it, no blocklisted certificate may be, and no
 * certificate whose anchor trustform removed (journalled until extraction
 * runs). The extract command runs on the real root when it is installed, and
 * under --root only as the configured extract_command; otherwise the anchors
 * are written and plan and apply say that extraction is pending.
 */
#ifndef TF_ANCHORS_H
#define TF_ANCHORS_H

#include "stores/store.h"

struct anchors_family {
	const char *name;	    /* backend name: "rhel" */
	const char *anchors;	    /* directory of trusted anchors */
	const char *blocklist;	    /* directory of distrusted certificates, or NULL */
	const char *suffix;	    /* of trustform's files: ".pem" or ".crt" */
	const char *const *extract; /* argv of the extract command */
	const char *extracted;	    /* the bundle the extract command writes */
};

int anchors_read(const struct anchors_family *fam, struct store_inst *s, struct trust_set *out);
/* The file-store kind (stores/store.h), for the family's backend: the
 * journal, render of the anchor files, and the extract command after a
 * commit; anchors_free is the backend's free. */
int anchors_files(const struct anchors_family *fam, struct store_inst *s, struct store_files *fs);
int anchors_render(const struct anchors_family *fam, struct store_inst *s, struct plan_store *ps,
		   struct store_files *fs);
int anchors_changed(const struct anchors_family *fam, struct store_inst *s, struct plan_store *ps);
void anchors_free(struct store_inst *s);

#endif
