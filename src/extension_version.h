/*
 * extension_version.h — the library and the extension's SQL objects must be
 * of the same version (a new library over an old CREATE EXTENSION misses
 * tables and columns).
 */
#ifndef DSR_EXTENSION_VERSION_H
#define DSR_EXTENSION_VERSION_H

#include "pg_headers.h"

/* ERROR, saying to run ALTER EXTENSION ... UPDATE, unless this database has the library's SQL version. */
void dsr_check_extension_version(void);

#endif /* DSR_EXTENSION_VERSION_H */
