/*
 * extension_catalog.h — the extension's own row of pg_extension: its owner
 * (bookkeeping runs with that owner's rights) and its version (the library
 * and the SQL objects must match: a new library over an old CREATE
 * EXTENSION misses tables and columns).
 *
 * Read straight from the catalog, never through SQL: a lookup that decides
 * whose rights a statement gets must not go through the caller's
 * search_path, operators or functions.
 */
#ifndef DSR_EXTENSION_CATALOG_H
#define DSR_EXTENSION_CATALOG_H

#include "pg/pg_headers.h"

/* The extension's owner; ERROR with a hint when it is not installed in this database. */
Oid dsr_extension_owner(void);

/* Is the extension installed in this database?  In a transaction. */
bool dsr_extension_installed(void);

/* ERROR, saying to run ALTER EXTENSION ... UPDATE, unless this database has the library's SQL version. */
void dsr_check_extension_version(void);

#endif /* DSR_EXTENSION_CATALOG_H */
