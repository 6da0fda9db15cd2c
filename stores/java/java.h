/* The java store: a JKS or PKCS#12 truststore. keystore.h is private. */
#ifndef TF_STORES_JAVA_H
#define TF_STORES_JAVA_H

#include "stores/store.h"

extern const struct store_type store_type_java;

#endif
