/*
 * spi_values.h — reading a value out of an SPI result, NULL included.
 *
 * SPI_getvalue returns NULL for a NULL and SPI_getbinval's Datum is then
 * garbage: every read goes through one of these, which say what a NULL
 * becomes (a default, or an ERROR naming the value).
 */
#ifndef DSR_SPI_VALUES_H
#define DSR_SPI_VALUES_H

#include "pg/pg_headers.h"

/* bigint/integer column (by its type); `if_null` for a NULL. */
int64 dsr_spi_int64(HeapTuple row, TupleDesc desc, int column, int64 if_null);

/* Datum of a column that cannot be NULL; a NULL is an ERROR naming `what`. */
/* A numeric Datum from its text (e.g. "15420.50"). */
Datum dsr_numeric(const char *text);

Datum dsr_spi_required(HeapTuple row, TupleDesc desc, int column, const char *what);

/* Text of a column, palloc'd in `context`; a NULL is an ERROR naming `what`. */
char *dsr_spi_required_text(HeapTuple row, TupleDesc desc, int column, const char *what,
                            MemoryContext context);

#endif /* DSR_SPI_VALUES_H */
