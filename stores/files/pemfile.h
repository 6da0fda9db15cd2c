/*
 * A PEM file that trustform edits by marked blocks (SPEC §3 pem-bundle):
 *
 *   # trustform:begin <name> sha256=<hex>
 *   -----BEGIN CERTIFICATE-----
 *   ...
 *   -----END CERTIFICATE-----
 *   # trustform:end <name>
 *
 * Everything outside trustform's blocks is kept byte for byte. Used by the
 * pem-bundle store, python's certifi bundle and the env stores' bundles, all
 * file stores (stores/store.h): the engine loads and writes the file.
 */
#ifndef TF_PEMFILE_H
#define TF_PEMFILE_H

#include "model/cert.h"
#include "model/model.h"
#include "util/buf.h"
#include "util/fsutil.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct plan_store;
struct store_files;
struct store_inst;
struct store_file;

struct pem_seg {
	enum { SEG_OURS, SEG_PEM } kind;
	size_t start, end; /* byte range of whole lines, newline included */
	size_t line;	   /* 1-based line of its first line */
	char *name;	   /* SEG_OURS: the CA name of its marker */
	struct cert *cert; /* its certificate, or NULL (damaged / not a cert) */
	bool intact;	   /* SEG_OURS: one certificate, matching the marker */
	/* apply */
	bool drop;
	const struct cert *put; /* replace the block with one for this CA */
	const char *put_name;
};

struct pem_file {
	char *host;  /* where it is read and written */
	char *shown; /* the in-root path, for messages */
	struct buf raw;
	bool exists;
	struct stat st;
	struct pem_seg *segs;
	size_t n, alloc;
	/* When set, apply writes these bytes in place of everything outside
	 * trustform's blocks (an env store's system set, envbundle.c). */
	const struct buf *foreign;
};

/* Read and split the file; a missing file is an empty one. -1 with err set
 * when it cannot be read or is not a PEM file (binary, damaged block, a
 * begin marker without its end). */
int pem_file_load(struct pem_file *f, const char *host, const char *shown);
/* The same from a file the engine loaded for a file store (stores/store.h). */
int pem_file_from(struct pem_file *f, const struct store_file *sf);
void pem_file_dispose(struct pem_file *f);
/* Report trustform's blocks (owned) and every other certificate (foreign). */
void pem_file_entries(const struct pem_file *f, struct trust_set *out);
/* Carry out the CA steps of ps on f (loaded at apply time), compare-and-swap
 * against what the plan saw, and put what the file must hold in out; a step
 * that cannot be done fails (stale when its entry is gone). OP_REFRESH steps
 * are left to the caller. Returns -1 if any step failed. */
int pem_file_render(struct pem_file *f, struct plan_store *ps, struct buf *out);
/* A file store's render (struct store_file_kind) whose one file, fs->f[0],
 * is a marked PEM file: pem-bundle, python's certifi mode. */
int pem_file_render_store(struct store_inst *s, struct plan_store *ps, struct store_files *fs);
/* pem_file_render, then the new file queued in txn when it changed (for a
 * caller with its own transaction; the stores go through the engine).
 * OP_REFRESH steps are left to the caller. Returns -1 if any step failed. */
int pem_file_apply(struct pem_file *f, struct plan_store *ps, struct fs_txn *txn, bool *changed);
/* The block trustform writes for a CA. */
void pem_block_render(struct buf *out, const char *name, const struct cert *c);

#endif
