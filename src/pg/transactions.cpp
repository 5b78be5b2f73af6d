/*
 * transactions.cpp — short transactions of the background workers, and
 * statements run with rights the caller lacks (see transactions.h).
 */
#include "extension/extension_catalog.h"
#include "pg/transactions.h"

void
dsr_begin_transaction(void)
{
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    PushActiveSnapshot(GetTransactionSnapshot());
}

void
dsr_commit_transaction(void)
{
    PopActiveSnapshot();
    SPI_finish();
    CommitTransactionCommand();
}

void
dsr_execute_as_owner(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls, int expected)
{
    Oid         saved_user;
    int         saved_context;
    Oid         owner = dsr_extension_owner();
    int         nest_level;
    volatile int rc = 0;

    GetUserIdAndSecContext(&saved_user, &saved_context);
    /* like a SECURITY DEFINER function with SET search_path (fmgr_security_definer) */
    nest_level = NewGUCNestLevel();
    (void) set_config_option("search_path", DSR_PINNED_SEARCH_PATH, PGC_SUSET, PGC_S_SESSION,
                             GUC_ACTION_SAVE, true, 0, false);
    SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    PG_TRY();
    {
        rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
    }
    PG_CATCH();
    {
        /* whoever catches this may go on in the same transaction: leave nothing raised */
        SetUserIdAndSecContext(saved_user, saved_context);
        AtEOXact_GUC(false, nest_level);
        PG_RE_THROW();
    }
    PG_END_TRY();
    SetUserIdAndSecContext(saved_user, saved_context);
    AtEOXact_GUC(true, nest_level);
    if (rc != expected)
        elog(ERROR, "daily_sales_report bookkeeping statement failed: %s", SPI_result_code_string(rc));
}

void
dsr_pin_session_search_path(void)
{
    SetConfigOption("search_path", DSR_PINNED_SEARCH_PATH, PGC_SUSET, PGC_S_OVERRIDE);
}

void
dsr_pin_search_path_in_transaction(void)
{
    (void) set_config_option("search_path", DSR_PINNED_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
                             GUC_ACTION_LOCAL, true, 0, false);
}

ErrorData *
dsr_in_subtransaction(void (*step)(void *arg), void *arg)
{
    MemoryContext context = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    ErrorData  *volatile error = NULL;

    BeginInternalSubTransaction(NULL);
    MemoryContextSwitchTo(context);
    PG_TRY();
    {
        step(arg);
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        error = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
    }
    PG_END_TRY();
    MemoryContextSwitchTo(context);
    CurrentResourceOwner = owner;
    return error;
}
