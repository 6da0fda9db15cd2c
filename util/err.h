/*
 * The last error of the current operation (libgit2's git_error_set): library
 * code returns -1 and leaves a message here; only the CLI prints it. Messages
 * say what failed, where (file, and line:column for YAML) and what to do.
 */
#ifndef TF_ERR_H
#define TF_ERR_H

/* What kind of failure the current error is (libgit2's GIT_EMODIFIED): a
 * caller that must react differently checks err_code() after a -1. */
enum err_code {
	TF_OK = 0,
	TF_ERROR = -1,	   /* failed */
	TF_EMODIFIED = -2, /* the store changed since the plan was made: plan again */
};

void err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like err_set, appending ": <strerror(errnum)>". */
void err_set_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append OpenSSL's queued errors (if any) to the current message and clear them. */
void err_append_openssl(void);
/* Prefix the current message: "<prefix>: <message>". */
void err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Append to the current message. */
void err_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "<file> changed since the plan was made (<why>); run trustplan again", with
 * code TF_EMODIFIED. err_modified says it without a why. */
void err_modified(const char *file);
void err_modified_why(const char *file, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same wording as a string (why may be NULL), for a message that is not
 * the current error (one step's failure, a child's reply). Caller frees. */
char *err_modified_text(const char *file, const char *why);
const char *err_msg(void);
enum err_code err_code(void);
void err_clear(void);

#endif
