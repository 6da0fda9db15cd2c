/*
 * The chrome-policy store: Google Chrome's and Chromium's managed policy
 * directories, where trustform writes its own trustform.json with the
 * CACertificates and CADistrustedCertificates policies.
 */
#ifndef TF_STORES_CHROME_H
#define TF_STORES_CHROME_H

#include "stores/store.h"

extern const struct store_type store_type_chrome_policy;

#endif
