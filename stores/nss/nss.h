/*
 * The nss store: NSS databases (Firefox, Chromium, a user's ~/.pki), found by
 * path or discovered, and Firefox's enterprise policy. nss_int.h is private.
 */
#ifndef TF_STORES_NSS_H
#define TF_STORES_NSS_H

#include "stores/store.h"

extern const struct store_type store_type_nss;

#endif
