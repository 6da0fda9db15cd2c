/*
 * The last error of the current operation (libgit2's git_error_set): library
 * code returns -1 and leaves a message here; only the CLI prints it. Messages
 * say what failed, where (file, and line:column for YAML) and what to do.
 */
#ifndef TF_ERR_H
#define TF_ERR_H

void err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like err_set, appending ": <strerror(errnum)>". */
void err_set_errno(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append OpenSSL's queued errors (if any) to the current message and clear them. */
void err_append_openssl(void);
/* Prefix the current message: "<prefix>: <message>". */
void err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Append to the current message. */
void err_append(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *err_msg(void);
void err_clear(void);

#endif
