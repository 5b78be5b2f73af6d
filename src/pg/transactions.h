/*
 * transactions.h — short transactions of the background workers, and
 * statements run with rights the caller lacks.
 *
 * The rule for the second kind: nothing the caller (or a database owner,
 * through ALTER DATABASE ... SET) defines may take part.  Such a statement
 * runs with search_path pinned to pg_catalog, pg_temp, so a look-alike
 * function or operator in the caller's schemas is never chosen, and as a
 * security-restricted operation.
 */
#ifndef DSR_TRANSACTIONS_H
#define DSR_TRANSACTIONS_H

#include "pg/pg_headers.h"

/* The search_path of every statement run with rights the caller lacks. */
#define DSR_PINNED_SEARCH_PATH "pg_catalog, pg_temp"

/* Start a transaction with SPI connected and a snapshot; outside any transaction. */
void dsr_begin_transaction(void);
void dsr_commit_transaction(void);

/*
 * Run one statement as the extension's owner, who owns the run history and
 * the outbox (the caller needs no rights on them), with the search_path
 * pinned.  ERROR unless SPI returns `expected`; results are in SPI_tuptable.
 */
void dsr_execute_as_owner(const char *sql, int nargs, Oid *types, Datum *values,
                          const char *nulls, int expected);

/*
 * Run step(arg) in a subtransaction of its own.  NULL when it succeeded;
 * otherwise the subtransaction is rolled back, the memory context and
 * resource owner are the caller's again, and the error is returned (in the
 * caller's memory context) for the caller to re-throw or report.
 */
ErrorData *dsr_in_subtransaction(void (*step)(void *arg), void *arg);

/*
 * For a process that connects as a superuser (the outbox worker): pin its
 * search_path for the whole session, above any ALTER DATABASE/ROLE setting
 * and any reload.
 */
void dsr_pin_session_search_path(void);

/*
 * For the caller's own statements (the KPI query, run as the caller, who may
 * be a superuser through pg_cron): the same pinned search_path until the
 * transaction ends.  The shop's relations are named with their schema, so
 * neither the caller's search_path nor a schema the database owner controls
 * (public) can slip in a look-alike table, function or operator.
 */
void dsr_pin_search_path_in_transaction(void);

#endif /* DSR_TRANSACTIONS_H */
