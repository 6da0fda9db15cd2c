/*
 * The system store family: the distribution's trust store (Debian's
 * ca-certificates, the p11-kit anchors of RHEL, Arch, SUSE and Alpine). The
 * rest of the family (debian.h, anchors.h, certsdir.h, rehash.h) is private.
 */
#ifndef TF_STORES_SYSTEM_H
#define TF_STORES_SYSTEM_H

#include "stores/store.h"

extern const struct store_type store_type_system;

#endif
