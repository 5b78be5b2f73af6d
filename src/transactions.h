/*
 * transactions.h — short transactions of the background workers, and
 * statements run as the extension's owner.
 */
#ifndef DSR_TRANSACTIONS_H
#define DSR_TRANSACTIONS_H

#include "pg_headers.h"

/* Start a transaction with SPI connected and a snapshot; outside any transaction. */
void dsr_begin_transaction(void);
void dsr_commit_transaction(void);

/*
 * Run one statement as the extension's owner, who owns the run history and
 * the outbox (the caller needs no rights on them).  ERROR unless SPI returns
 * `expected`; results are in SPI_tuptable.
 */
void dsr_execute_as_owner(const char *sql, int nargs, Oid *types, Datum *values,
                          const char *nulls, int expected);

#endif /* DSR_TRANSACTIONS_H */
