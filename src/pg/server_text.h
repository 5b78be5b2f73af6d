/*
 * server_text.h — text from the database, in UTF-8 for the PDF and the
 * metrics (report.h: every string there is UTF-8).
 */
#ifndef DSR_SERVER_TEXT_H
#define DSR_SERVER_TEXT_H

#include "pg/pg_headers.h"

/*
 * `text` (in the server encoding) as UTF-8, palloc'd in `context`.  A
 * SQL_ASCII database declares no encoding: valid UTF-8 is taken as is and
 * every other byte becomes U+FFFD.  A character with no UTF-8 equivalent
 * (none in LATIN1, a few in other encodings) becomes U+FFFD as well.
 * Inside a transaction only: the conversion is looked up in the catalog.
 */
char *dsr_server_to_utf8(const char *text, MemoryContext context);

#endif /* DSR_SERVER_TEXT_H */
