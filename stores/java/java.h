/* The java store (a JKS or PKCS#12 truststore) and the jdk store (the
 * cacerts of each JDK found). keystore.h and java_int.h are private. */
#ifndef TF_STORES_JAVA_H
#define TF_STORES_JAVA_H

#include "stores/store.h"

extern const struct store_type store_type_java;
extern const struct store_type store_type_jdk;

#endif
